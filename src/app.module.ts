import { Module, type DynamicModule } from '@nestjs/common';
import { CacheModule } from './cache/cache.module.js';
import type { Clock } from './common/clock.js';
import { ClockModule } from './common/clock.module.js';
import type { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { DiscoveryModule } from './discovery/discovery.module.js';
import { HealthModule } from './health/health.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { AuditModule } from './audit/audit.module.js';
import { KeysModule } from './keys/keys.module.js';
import { ClientsModule } from './clients/clients.module.js';
import { TokenModule } from './token/token.module.js';
import { AdminModule } from './admin/admin.module.js';
import { UsersModule } from './users/users.module.js';
import { SessionsModule } from './sessions/sessions.module.js';
import { LogoutModule } from './sessions/logout.module.js';
import { RegistrationModule } from './registration/registration.module.js';
import { UserinfoModule } from './userinfo/userinfo.module.js';
import { ConsentModule } from './consent/consent.module.js';
import { AuthorizationModule } from './authorization/authorization.module.js';
import { DemoModule } from './demo/demo.module.js';
import { PagesModule } from './interaction/pages.module.js';

@Module({})
export class AppModule {
  /** `clock`: the system's unless a test brings one it moves. */
  static forRoot(config: AppConfig, options: { clock?: Clock } = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        ClockModule.forRoot(options.clock),
        MetricsModule,
        AuditModule,
        PagesModule,
        DatabaseModule,
        CacheModule,
        KeysModule.forRoot({ serve: true }),
        ClientsModule,
        UsersModule,
        SessionsModule,
        ConsentModule,
        AuthorizationModule,
        LogoutModule,
        TokenModule,
        UserinfoModule,
        RegistrationModule.forRoot(config),
        AdminModule,
        DiscoveryModule,
        HealthModule,
        DemoModule,
      ],
    };
  }
}
