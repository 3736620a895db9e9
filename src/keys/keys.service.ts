import { AuditLog, type AuditType } from '../audit/audit-log.js';
import { Metrics } from '../metrics/metrics.js';
import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { ShortLivedStore } from '../cache/short-lived-store.js';
import { PeriodicJobs, type PeriodicJob } from '../common/periodic-jobs.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { SigningAlg } from '../config/environment.js';
import { ADVISORY_LOCKS } from '../database/database.js';
import { importKeyMaterial } from './key-material.js';
import { KeyRing } from './key-ring.js';
import { jwksMaxAgeSeconds, KeyStore, noChange, type RotationOutcome } from './key-store.js';
import type { SigningKey } from './signing-key.entity.js';

const CHANGED_CHANNEL = 'keys:changed';
export const KEYS_OPTIONS = Symbol('KEYS_OPTIONS');
export interface KeysOptions {
  /** Run the rotation job and follow other instances' changes (the server, not the CLI). */
  serve: boolean;
}

/**
 * The lifecycle of signing keys on this instance: creates the first keys, runs the rotation
 * job, and keeps the in-memory key ring in step with the database. Changes are announced on
 * the store's pub/sub channel; a periodic reload covers a missed message.
 */
@Injectable()
export class KeysService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Keys');
  private readonly metrics?: Metrics;
  private current: KeyRing = KeyRing.empty;
  private reloading?: Promise<void>;
  private reloadAgain = false;
  private unsubscribe?: () => Promise<void>;
  private readonly rotationJob: PeriodicJob<RotationOutcome>;
  /** The fallback for a missed `keys:changed` message. */
  private readonly reloadJob: PeriodicJob<void>;

  constructor(
    @Inject(KeyStore) private readonly store: KeyStore,
    @Inject(ShortLivedStore) private readonly cache: ShortLivedStore,
    @Inject(PeriodicJobs) jobs: PeriodicJobs,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(KEYS_OPTIONS) private readonly options: KeysOptions,
    // The CLI has no metrics.
    @Optional() @Inject(Metrics) metrics?: Metrics,
    @Optional() @Inject(AuditLog) private readonly audit?: AuditLog,
  ) {
    this.metrics = metrics;
    metrics?.onScrape(() => this.measureKeys());
    this.rotationJob = jobs.create({
      name: 'key-rotation',
      schedule: { cron: config.keys.rotationCron },
      // The store's own lock makes concurrent passes safe; this one lets the instances whose
      // cron fired at the same moment skip, rather than each queue a transaction behind it.
      advisoryLock: ADVISORY_LOCKS.keyRotationJob,
      run: async () => {
        const outcome = await this.store.rotate();
        await this.afterChange(outcome, 'Key rotation');
        return outcome;
      },
    });
    this.reloadJob = jobs.create({
      name: 'key-reload',
      schedule: { every: config.keys.reloadInterval },
      run: () => this.reload(),
    });
  }

  get ring(): KeyRing {
    return this.current;
  }

  /** Seconds a JWKS may be cached: shorter than the pre-publication period, at most 10 min. */
  get jwksMaxAge(): number {
    return jwksMaxAgeSeconds(this.config);
  }

  async onModuleInit(): Promise<void> {
    if (!this.options.serve) {
      await this.reload();
      return;
    }
    // At boot a failure stops start-up (a changed KEYS_ENCRYPTION_SECRET, say); later passes only log.
    await this.afterChange(await this.store.rotate(), 'Key check at start-up');
    this.unsubscribe = await this.cache.subscribe(CHANGED_CHANNEL, () => this.reloadJob.kick());
    this.reloadJob.start();
    this.rotationJob.start();
  }

  /** The jobs are stopped by PeriodicJobs, before this. */
  async onApplicationShutdown(): Promise<void> {
    await this.unsubscribe?.();
  }

  /**
   * One pass of the rotation job; undefined when it did not run (a pass under way here or on
   * another instance) or failed (logged). Safe on every instance at once: the store serialises
   * changes with an advisory lock and each decides from the database.
   */
  runRotation(): Promise<RotationOutcome | undefined> {
    return this.rotationJob.run();
  }

  /**
   * Operator action: promote `next` now (for the given algorithms, or all), once it has been
   * published for the JWKS cache lifetime; `emergency` promotes it anyway. Asked again within
   * a minute of a promotion (another instance, a retry), it changes nothing.
   */
  async rotateNow(
    algorithms?: SigningAlg[],
    options: { emergency?: boolean } = {},
  ): Promise<RotationOutcome> {
    const outcome = await this.store.rotate({
      force: true,
      emergency: options.emergency,
      algorithms,
    });
    await this.afterChange(outcome, 'Rotation requested by an operator');
    return outcome;
  }

  async importKey(input: {
    privateKeyPem: string;
    chainPem?: string;
    alg?: SigningAlg;
    activate?: boolean;
  }): Promise<RotationOutcome> {
    const material = await importKeyMaterial(input.privateKeyPem, {
      alg: input.alg,
      chainPem: input.chainPem,
    });
    const outcome = await this.store.import(material, input.activate ?? false);
    await this.afterChange(outcome, 'Key imported');
    return outcome;
  }

  async revoke(kid: string): Promise<RotationOutcome> {
    const outcome = await this.store.revoke(kid);
    await this.afterChange(outcome, 'Key revoked');
    return outcome;
  }

  list(): Promise<SigningKey[]> {
    return this.store.listAll();
  }

  /** Re-reads the keys from the database; concurrent calls share one read and queue one more. */
  async reload(): Promise<void> {
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      do {
        this.reloadAgain = false;
        const rows = await this.store.listUsable();
        this.current = await KeyRing.build(
          rows,
          (row) => this.store.decryptPrivateKey(row),
          this.current,
        );
      } while (this.reloadAgain);
    })().finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  /** The age of each key that is not revoked, for the scrape. */
  private async measureKeys(): Promise<void> {
    const keys = await this.store.listAll();
    const gauge = this.metrics!.keyAge;
    gauge.reset();
    const now = Date.now();
    for (const key of keys) {
      if (key.status === 'revoked') continue;
      gauge.set(
        { alg: key.alg, kid: key.kid, status: key.status },
        (now - new Date(key.createdAt).getTime()) / 1000,
      );
    }
  }

  private async afterChange(outcome: RotationOutcome, what: string): Promise<void> {
    for (const [event, kids] of Object.entries(outcome) as [string, string[]][]) {
      if (kids.length > 0) this.metrics?.keyEvents.inc({ event }, kids.length);
      for (const kid of kids) {
        await this.audit?.record({
          type: `key.${event}` as AuditType,
          actor: 'system',
          detail: { kid, why: what },
        });
      }
    }
    if (!noChange(outcome)) {
      this.logger.log({ ...outcome, msg: what });
      // Every instance reloads; this one at once, so the caller sees the change.
      await this.cache
        .publish(CHANGED_CHANNEL, JSON.stringify(outcome))
        .catch((e: unknown) => this.logger.warn(`Could not announce key change: ${String(e)}`));
    }
    await this.reload();
  }
}
