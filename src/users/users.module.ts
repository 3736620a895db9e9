import { Module } from '@nestjs/common';
import { StaticUsersLoader } from './static-users.js';
import { UsersService } from './users.service.js';

@Module({
  providers: [UsersService, StaticUsersLoader],
  exports: [UsersService],
})
export class UsersModule {}
