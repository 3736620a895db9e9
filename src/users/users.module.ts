import { Module } from '@nestjs/common';
import { LoginRegulation } from './login-regulation.js';
import { PasswordLogin } from './password-login.js';
import { StaticUsersLoader } from './static-users.js';
import { Subjects } from './subjects.js';
import { TotpService } from './totp.service.js';
import { UsersService } from './users.service.js';

@Module({
  providers: [
    UsersService,
    StaticUsersLoader,
    Subjects,
    LoginRegulation,
    PasswordLogin,
    TotpService,
  ],
  exports: [UsersService, Subjects, LoginRegulation, PasswordLogin, TotpService],
})
export class UsersModule {}
