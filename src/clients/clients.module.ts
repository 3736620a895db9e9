import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { ClientAuthGuard } from './auth/client-auth.guard.js';
import { ClientAuthRegulation } from './auth/client-auth-regulation.js';
import { ClientAuthenticator } from './auth/client-authenticator.js';
import { ClientCorsGuard } from './auth/client-cors.guard.js';
import { ClientJwksCache } from './auth/client-jwks.js';
import { ClientKeys } from './auth/client-keys.js';
import {
  ClientAssertionStrategy,
  ClientSecretBasicStrategy,
  ClientSecretPostStrategy,
  NoneStrategy,
} from './auth/strategies.js';
import { ClientsService } from './clients.service.js';
import { StaticClientsLoader } from './static-clients.js';

@Module({
  imports: [PassportModule],
  providers: [
    ClientsService,
    ClientJwksCache,
    ClientKeys,
    ClientAuthenticator,
    ClientAuthRegulation,
    ClientAuthGuard,
    ClientCorsGuard,
    ClientSecretBasicStrategy,
    ClientSecretPostStrategy,
    ClientAssertionStrategy,
    NoneStrategy,
    StaticClientsLoader,
  ],
  exports: [ClientsService, ClientAuthGuard, ClientCorsGuard, ClientAuthenticator, ClientKeys],
})
export class ClientsModule {}
