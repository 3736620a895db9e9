import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
  Optional,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ShortLivedStore } from '../cache/short-lived-store.js';
import { ADMIN_RESOURCE_PATH } from '../clients/client-metadata.js';
import { CLOCK, systemClock, type Clock } from '../common/clock.js';
import { Conflict } from '../common/errors/oauth-error.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import {
  readResourceDefinition,
  ResourceCatalog,
  type ResourceDefinition,
} from './resource-catalog.js';

export type ResourceOrigin = 'file' | 'admin';

/** A declaration as stored, with who owns it. */
export interface StoredResource {
  definition: ResourceDefinition;
  origin: ResourceOrigin;
  createdAt: Date;
  updatedAt: Date;
}

export interface ResourcePage {
  resources: StoredResource[];
  /** Pass back as `after` for the next page; absent on the last page. */
  next?: string;
}

interface Row {
  identifier: string;
  definition: ResourceDefinition;
  origin: ResourceOrigin;
  created_at: Date;
  updated_at: Date;
}

const CHANGED_CHANNEL = 'resources:changed';
/** A fallback for a missed change notice; notices normally make changes visible at once. */
const CACHE_TTL_MS = 60_000;

/**
 * Owns the `resource_servers` table (RESOURCES_FILE and the admin API) and serves the catalog
 * every token request consults from memory. A change is announced to every instance, which
 * drops its snapshot; the next request reads the table again.
 */
@Injectable()
export class ResourceServers implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Resources');
  private snapshot?: { catalog: ResourceCatalog; loadedAt: number };
  private loading?: Promise<ResourceCatalog>;
  /** Bumped by every change notice, so a load that raced one is not kept. */
  private generation = 0;
  private unsubscribe?: () => Promise<void>;
  /** Identifiers the provider owns: its issuer and its admin API. */
  readonly reserved: readonly string[];

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ShortLivedStore) private readonly store: ShortLivedStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
  ) {
    this.reserved = [config.issuer, config.issuer + ADMIN_RESOURCE_PATH];
  }

  async onModuleInit(): Promise<void> {
    this.unsubscribe = await this.store.subscribe(CHANGED_CHANNEL, () => this.forget());
  }

  async onModuleDestroy(): Promise<void> {
    await this.unsubscribe?.();
  }

  /** A declaration read from the file or the admin API, checked against this provider. */
  read(input: unknown): ResourceDefinition {
    return readResourceDefinition(input, {
      signingAlgs: this.config.keys.algorithms,
      reserved: this.reserved,
    });
  }

  /** The declared resources as they are now; from memory but for the first request after a change. */
  catalog(): Promise<ResourceCatalog> {
    const snapshot = this.snapshot;
    if (snapshot && this.clock.now() - snapshot.loadedAt < CACHE_TTL_MS)
      return Promise.resolve(snapshot.catalog);
    return (this.loading ??= this.load());
  }

  async find(identifier: string): Promise<StoredResource | undefined> {
    const [row] = await this.dataSource.query<Row[]>(
      'SELECT * FROM resource_servers WHERE identifier = $1',
      [identifier],
    );
    return row && stored(row);
  }

  /** A page of declarations in identifier order, for the admin API. */
  async list(options: { limit: number; after?: string }): Promise<ResourcePage> {
    const rows = await this.dataSource.query<Row[]>(
      `SELECT * FROM resource_servers WHERE ($1::text IS NULL OR identifier > $1)
       ORDER BY identifier LIMIT $2`,
      [options.after ?? null, options.limit + 1],
    );
    const resources = rows.slice(0, options.limit).map(stored);
    return {
      resources,
      next:
        rows.length > options.limit
          ? resources[resources.length - 1].definition.identifier
          : undefined,
    };
  }

  /**
   * Creates or replaces an admin declaration. One statement, so two instances writing the
   * same identifier at once cannot take a file declaration over.
   */
  async put(
    definition: ResourceDefinition,
  ): Promise<{ resource: StoredResource; created: boolean }> {
    const rows = await this.dataSource.query<(Row & { created: boolean })[]>(
      `INSERT INTO resource_servers (identifier, definition, origin) VALUES ($1, $2, 'admin')
       ON CONFLICT (identifier) DO UPDATE SET definition = EXCLUDED.definition, updated_at = now()
         WHERE resource_servers.origin = 'admin'
       RETURNING *, (xmax = 0) AS created`,
      [definition.identifier, JSON.stringify(definition)],
    );
    if (rows.length === 0) throw fileOwned(definition.identifier);
    await this.changed();
    return { resource: stored(rows[0]), created: rows[0].created };
  }

  /** Deletes an admin declaration; false when there is none. */
  async delete(identifier: string): Promise<boolean> {
    const rows = await this.dataSource.query<Pick<Row, 'origin'>[]>(
      `WITH gone AS (DELETE FROM resource_servers WHERE identifier = $1 AND origin = 'admin'
         RETURNING origin)
       SELECT origin FROM gone UNION ALL
       SELECT origin FROM resource_servers WHERE identifier = $1 AND origin = 'file'`,
      [identifier],
    );
    if (rows.some((r) => r.origin === 'file')) throw fileOwned(identifier);
    if (rows.length === 0) return false;
    await this.changed();
    return true;
  }

  /**
   * Makes the file's declarations the stored ones: each upserted (an unchanged one writes
   * nothing), the file's earlier ones it no longer holds deleted. One transaction, so an
   * instance never sees half a file. Throws naming the entry an admin declaration holds.
   */
  async syncFile(
    definitions: readonly ResourceDefinition[],
  ): Promise<{ created: number; updated: number; unchanged: number; deleted: number }> {
    const counts = { created: 0, updated: 0, unchanged: 0, deleted: 0 };
    await this.dataSource.transaction(async (em) => {
      for (const definition of definitions) {
        const rows = await em.query<{ origin: ResourceOrigin; outcome: string }[]>(
          `INSERT INTO resource_servers (identifier, definition, origin) VALUES ($1, $2, 'file')
           ON CONFLICT (identifier) DO UPDATE SET definition = EXCLUDED.definition, updated_at = now()
             WHERE resource_servers.origin = 'file'
               AND resource_servers.definition IS DISTINCT FROM EXCLUDED.definition
           RETURNING origin, CASE WHEN xmax = 0 THEN 'created' ELSE 'updated' END AS outcome`,
          [definition.identifier, JSON.stringify(definition)],
        );
        if (rows.length > 0) {
          counts[rows[0].outcome as 'created' | 'updated']++;
          continue;
        }
        const [existing] = await em.query<{ origin: ResourceOrigin }[]>(
          'SELECT origin FROM resource_servers WHERE identifier = $1',
          [definition.identifier],
        );
        if (existing?.origin === 'admin')
          throw new Conflict(
            `${definition.identifier} is declared through the admin API; delete it there to declare it in RESOURCES_FILE`,
          );
        counts.unchanged++;
      }
      const deleted = await em.query<unknown[]>(
        `DELETE FROM resource_servers WHERE origin = 'file' AND NOT (identifier = ANY($1))
         RETURNING identifier`,
        [definitions.map((d) => d.identifier)],
      );
      counts.deleted = deleted.length;
    });
    if (counts.created + counts.updated + counts.deleted > 0) await this.changed();
    return counts;
  }

  private async load(): Promise<ResourceCatalog> {
    const generation = this.generation;
    try {
      const rows = await this.dataSource.query<Pick<Row, 'definition'>[]>(
        'SELECT definition FROM resource_servers',
      );
      const catalog = new ResourceCatalog(rows.map((r) => r.definition));
      if (generation === this.generation) this.snapshot = { catalog, loadedAt: this.clock.now() };
      return catalog;
    } finally {
      if (generation === this.generation) this.loading = undefined;
    }
  }

  private forget(): void {
    this.generation++;
    this.snapshot = undefined;
    this.loading = undefined;
  }

  private async changed(): Promise<void> {
    this.forget();
    await this.store
      .publish(CHANGED_CHANNEL, '')
      .catch((e: unknown) =>
        this.logger.warn(`Could not announce a resource server change: ${String(e)}`),
      );
  }
}

function stored(row: Row): StoredResource {
  return {
    definition: row.definition,
    origin: row.origin,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function fileOwned(identifier: string): Conflict {
  return new Conflict(`${identifier.slice(0, 200)} is declared in RESOURCES_FILE; change it there`);
}
