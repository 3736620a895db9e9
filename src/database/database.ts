import { Logger } from '@nestjs/common';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { EmbeddedPostgres } from './embedded-postgres.js';
import { ENTITIES } from './entities.js';
import { MIGRATIONS } from './migrations/index.js';

/** Arbitrary, fixed advisory-lock ids; one per job that must run on one instance at a time. */
export const ADVISORY_LOCKS = {
  migrations: 7_301_001,
  /** Held by every change to `signing_keys`, in the transaction that makes it. */
  keyRotation: 7_301_002,
  /** Held by the scheduled rotation pass, so instances firing together do not queue. */
  keyRotationJob: 7_301_003,
  /** One per pruning job (pruning.ts), so each table is pruned by one instance at a time. */
  pruneRefreshTokens: 7_301_004,
  pruneConsents: 7_301_005,
  pruneSessions: 7_301_006,
  pruneBackchannelDeliveries: 7_301_007,
  pruneAccessTokenDenials: 7_301_008,
  pruneAuditEvents: 7_301_009,
} as const;

/** The provider's database: a TypeORM data source and, on the embedded default, its server. */
export class Database {
  private readonly logger = new Logger('Database');

  private constructor(
    readonly dataSource: DataSource,
    private readonly embedded?: EmbeddedPostgres,
  ) {}

  get isEmbedded(): boolean {
    return this.embedded !== undefined;
  }

  static async open(config: AppConfig): Promise<Database> {
    const embedded = config.database.url
      ? undefined
      : await EmbeddedPostgres.start(config.database.dataDir);
    const common = {
      type: 'postgres' as const,
      entities: ENTITIES,
      migrations: MIGRATIONS,
      migrationsTableName: 'migrations',
      synchronize: false,
      uuidExtension: 'pgcrypto' as const,
      connectTimeoutMS: 5_000,
      applicationName: 'openid-provider',
      // Off: TypeORM would print failed queries with their parameters (digests, secrets) to the
      // console. Failures reach the caller as exceptions, and unexpected ones are logged there.
      logging: false,
    } satisfies Partial<DataSourceOptions> & { type: 'postgres' };
    const options: DataSourceOptions = embedded
      ? {
          ...common,
          host: embedded.socketDir,
          port: 5432,
          username: 'postgres',
          database: 'postgres',
          extra: { max: 1 },
        }
      : { ...common, url: config.database.url, extra: { max: config.database.poolSize } };
    const dataSource = new DataSource(options);
    try {
      await dataSource.initialize();
    } catch (e) {
      await embedded?.stop();
      throw e;
    }
    return new Database(dataSource, embedded);
  }

  /** Runs pending migrations; across instances, one at a time (advisory lock). */
  async migrate(): Promise<string[]> {
    const run = async () =>
      (await this.dataSource.runMigrations({ transaction: 'each' })).map((m) => m.name);
    // The embedded database has one connection and one process: no lock needed (nor possible).
    const applied = this.embedded
      ? await run()
      : await this.withSessionLock(ADVISORY_LOCKS.migrations, run);
    if (applied.length > 0) this.logger.log(`Applied migrations: ${applied.join(', ')}`);
    return applied;
  }

  /**
   * Runs `work` holding the advisory lock `lockId` unless another session holds it, in which
   * case it answers `{ ran: false }` at once. The lock is a session lock on one connection of
   * its own, released when `work` ends (or when that connection drops, should the process die).
   */
  async ifLockFree<T>(
    lockId: number,
    work: () => Promise<T>,
  ): Promise<{ ran: true; result: T } | { ran: false }> {
    // The embedded database has one connection and one process: no lock needed (nor possible).
    if (this.embedded) return { ran: true, result: await work() };
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ acquired }] = await this.dataSource.query<[{ acquired: boolean }]>(
        'SELECT pg_try_advisory_lock($1) AS acquired',
        [lockId],
        runner,
      );
      if (!acquired) return { ran: false };
      try {
        return { ran: true, result: await work() };
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [lockId]);
      }
    } finally {
      await runner.release();
    }
  }

  async revertLast(): Promise<void> {
    await this.dataSource.undoLastMigration({ transaction: 'each' });
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    await this.embedded?.stop();
  }

  private async withSessionLock<T>(lockId: number, work: () => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SELECT pg_advisory_lock($1)', [lockId]);
      try {
        return await work();
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [lockId]);
      }
    } finally {
      await runner.release();
    }
  }
}
