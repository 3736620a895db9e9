import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { Database } from './database.js';

/** Opens the database and applies migrations before anything else starts. */
@Global()
@Module({
  providers: [
    {
      provide: Database,
      inject: [APP_CONFIG],
      useFactory: async (config: AppConfig) => {
        const database = await Database.open(config);
        try {
          await database.migrate();
        } catch (e) {
          await database.close();
          throw e;
        }
        return database;
      },
    },
    { provide: DataSource, inject: [Database], useFactory: (db: Database) => db.dataSource },
  ],
  exports: [Database, DataSource],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(Database) private readonly database: Database) {}

  async onApplicationShutdown(): Promise<void> {
    await this.database.close();
  }
}
