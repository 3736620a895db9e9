import { Module } from '@nestjs/common';
import { RateLimitsModule } from '../rate-limits/rate-limits.module.js';
import { DiscoveryModule } from '@nestjs/core';
import { AuthorizationModule } from '../authorization/authorization.module.js';
import { ClientsModule } from '../clients/clients.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { UsersModule } from '../users/users.module.js';
import { AccessTokens } from './access-tokens.js';
import { BearerScopeGuard } from './bearer-auth.js';
import { ResourcesModule } from '../resources/resources.module.js';
import { DpopModule } from './dpop.module.js';
import { GrantRegistry } from './grants/grant-registry.js';
import { SERVED_GRANTS } from './grants/served-grants.js';
import { IntrospectionService } from './introspection.service.js';
import { RefreshTokens } from './refresh-tokens.js';
import { RevocationService } from './revocation.service.js';
import { SessionEndRevocation } from './session-end-revocation.js';
import { UserTokens } from './user-tokens.js';
import { IdTokens } from './id-tokens.js';
import { TokenController } from './token.controller.js';
import { TokenMetadata } from './token.metadata.js';
import { TokenService } from './token.service.js';
import { RefreshTokenPruning } from './refresh-token-pruning.js';
import { DenyList } from './deny-list.js';
import { PruningModule } from '../database/pruning.module.js';
import { PeriodicJobsModule } from '../common/periodic-jobs.module.js';

@Module({
  imports: [
    DiscoveryModule,
    ClientsModule,
    UsersModule,
    AuthorizationModule,
    SessionsModule,
    DpopModule,
    ResourcesModule,
    PruningModule,
    RateLimitsModule,
    PeriodicJobsModule,
  ],
  controllers: [TokenController],
  providers: [
    TokenService,
    GrantRegistry,
    ...SERVED_GRANTS,
    AccessTokens,
    DenyList,
    IdTokens,
    TokenMetadata,
    RefreshTokens,
    RefreshTokenPruning,
    IntrospectionService,
    RevocationService,
    SessionEndRevocation,
    UserTokens,
    BearerScopeGuard,
  ],
  exports: [AccessTokens, IdTokens, RefreshTokens, BearerScopeGuard, DpopModule],
})
export class TokenModule {}
