import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/app-config.js';
import { MemoryStore } from './memory.store.js';
import { RedisStore } from './redis.store.js';
import { ShortLivedStore } from './short-lived-store.js';

export async function createStore(config: AppConfig): Promise<ShortLivedStore> {
  if (!config.redis.url) return new MemoryStore();
  const store = new RedisStore(config.redis.url, config.redis.keyPrefix);
  await store.connect();
  new Logger('Cache').log('Connected to Redis');
  return store;
}

@Global()
@Module({
  providers: [{ provide: ShortLivedStore, inject: [APP_CONFIG], useFactory: createStore }],
  exports: [ShortLivedStore],
})
export class CacheModule implements OnApplicationShutdown {
  constructor(@Inject(ShortLivedStore) private readonly store: ShortLivedStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}
