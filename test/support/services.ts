import {
  Module,
  type DynamicModule,
  type INestApplicationContext,
  type Provider,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CacheModule } from '../../src/cache/cache.module.js';
import type { Clock } from '../../src/common/clock.js';
import { ClockModule } from '../../src/common/clock.module.js';
import { loadConfig, type AppConfig } from '../../src/config/app-config.js';
import { ConfigModule } from '../../src/config/config.module.js';
import { DatabaseModule } from '../../src/database/database.module.js';
import { TEST_SECRET } from './provider.js';

type Imports = NonNullable<DynamicModule['imports']>;

/** One "instance" of some services: a Nest context without HTTP. */
export interface RunningServices {
  app: INestApplicationContext;
  config: AppConfig;
  close(): Promise<void>;
}

@Module({})
class ServicesUnderTest {}

/**
 * The service tier, between pure unit specs and the whole server: the modules and providers a
 * test names, with the real configuration, store (Redis at `env.REDIS_URL`, by a prefix the
 * caller shares between "instances"), database (with `database: true`, migrated) and the clock
 * the test moves. No HTTP, no other module: what a service does with its real collaborators.
 */
export async function startServices(
  env: Record<string, string>,
  what: { imports?: Imports; providers?: Provider[]; database?: boolean },
  options: { clock?: Clock } = {},
): Promise<RunningServices> {
  const config = loadConfig({
    NODE_ENV: 'test',
    KEYS_ENCRYPTION_SECRET: TEST_SECRET,
    ISSUER: 'http://127.0.0.1:1',
    DEMO_SEED: 'off',
    ...env,
  });
  const app = await NestFactory.createApplicationContext(
    {
      module: ServicesUnderTest,
      imports: [
        ConfigModule.forRoot(config),
        ClockModule.forRoot(options.clock),
        CacheModule,
        ...(what.database ? [DatabaseModule] : []),
        ...(what.imports ?? []),
      ],
      providers: what.providers ?? [],
    },
    { logger: false, abortOnError: false },
  );
  return { app, config, close: () => app.close() };
}
