import { Module } from '@nestjs/common';
import { AuthorizationCodes } from './authorization-codes.js';

/** `/authorize` and what it hands to the token endpoint: authorization codes. */
@Module({
  providers: [AuthorizationCodes],
  exports: [AuthorizationCodes],
})
export class AuthorizationModule {}
