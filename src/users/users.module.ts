import { Module } from '@nestjs/common';
import { StaticUsersLoader } from './static-users.js';
import { Subjects } from './subjects.js';
import { UsersService } from './users.service.js';

@Module({
  providers: [UsersService, StaticUsersLoader, Subjects],
  exports: [UsersService, Subjects],
})
export class UsersModule {}
