import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ClientsModule } from '../clients/clients.module.js';
import { AccessTokens } from './access-tokens.js';
import { BearerScopeGuard } from './bearer-auth.js';
import { ClientCredentialsGrant } from './grants/client-credentials.grant.js';
import { TokenController } from './token.controller.js';
import { TokenMetadata } from './token.metadata.js';
import { TokenService } from './token.service.js';

@Module({
  imports: [DiscoveryModule, ClientsModule],
  controllers: [TokenController],
  providers: [TokenService, AccessTokens, TokenMetadata, ClientCredentialsGrant, BearerScopeGuard],
  exports: [AccessTokens, BearerScopeGuard],
})
export class TokenModule {}
