import { Metrics } from '../metrics/metrics.js';
import { Inject, Injectable, Logger, Optional, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ShortLivedStore } from '../cache/short-lived-store.js';
import type { Dependency } from '../common/errors/unavailable.js';

const PROBE_INTERVAL_MS = 1_000;
const PROBE_TIMEOUT_MS = 2_000;

const NAMES: Record<Dependency, string> = { database: 'Postgres', cache: 'The short-lived store' };

/**
 * Outages as the requests meet them. The first request that finds a dependency away logs one
 * line and starts a probe; every later one is answered 503 without a word; the probe logs one
 * line when the dependency answers again. A log therefore shows each outage as two lines, not a
 * stack per request.
 */
@Injectable()
export class Outages implements OnApplicationShutdown {
  private readonly logger = new Logger('Outages');
  private readonly probes = new Map<Dependency, NodeJS.Timeout>();
  private probing = new Set<Dependency>();

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ShortLivedStore) private readonly store: ShortLivedStore,
    @Optional() @Inject(Metrics) private readonly metrics?: Metrics,
  ) {}

  /** Whether a request has found this dependency away and it has not answered since. */
  isDown(dependency: Dependency): boolean {
    return this.probes.has(dependency);
  }

  report(dependency: Dependency, error: unknown): void {
    this.metrics?.storeErrors.inc({ dependency });
    if (this.probes.has(dependency)) return;
    const reason = error instanceof Error ? error.message : String(error);
    this.logger.warn(
      `${NAMES[dependency]} is unreachable, answering 503 until it is back (${reason})`,
    );
    const timer = setInterval(() => void this.probe(dependency), PROBE_INTERVAL_MS);
    timer.unref();
    this.probes.set(dependency, timer);
  }

  onApplicationShutdown(): void {
    for (const timer of this.probes.values()) clearInterval(timer);
    this.probes.clear();
  }

  private async probe(dependency: Dependency): Promise<void> {
    if (this.probing.has(dependency)) return;
    this.probing.add(dependency);
    try {
      await within(this.check(dependency), PROBE_TIMEOUT_MS);
      const timer = this.probes.get(dependency);
      if (!timer) return;
      clearInterval(timer);
      this.probes.delete(dependency);
      this.logger.log(`${NAMES[dependency]} answers again`);
    } catch {
      // Still away: the next probe tries again.
    } finally {
      this.probing.delete(dependency);
    }
  }

  private async check(dependency: Dependency): Promise<void> {
    if (dependency === 'database') await this.dataSource.query('SELECT 1');
    else await this.store.ping();
  }
}

export function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timed out')), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
