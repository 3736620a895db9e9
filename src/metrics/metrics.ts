import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Seconds; from a fraction of a millisecond (cached reads) to argon2id sign-ins and beyond. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * The provider's Prometheus metrics, one registry per application (two instances in one
 * process, as the tests run them, keep theirs apart). The owning services report to it;
 * values that are read rather than counted (key ages, rows pruned) are collected at scrape.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  readonly requests = new Counter({
    name: 'openid_http_requests_total',
    help: 'HTTP requests answered, by route pattern, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });

  readonly latency = new Histogram({
    name: 'openid_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route pattern and method.',
    labelNames: ['route', 'method'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly grants = new Counter({
    name: 'openid_token_grants_total',
    help: 'Token endpoint requests by grant type, client and outcome (success or the OAuth error code).',
    labelNames: ['grant_type', 'client_id', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly oauthErrors = new Counter({
    name: 'openid_oauth_errors_total',
    help: 'OAuth errors answered, by error code and HTTP status.',
    labelNames: ['error', 'status'] as const,
    registers: [this.registry],
  });

  readonly logins = new Counter({
    name: 'openid_logins_total',
    help: 'Password sign-ins by outcome: success, failure (wrong credentials) or locked (regulation).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly refreshReuse = new Counter({
    name: 'openid_refresh_token_reuse_total',
    help: 'Rotated refresh tokens used again outside the grace window: each revoked its family.',
    registers: [this.registry],
  });

  readonly backchannelDeliveries = new Counter({
    name: 'openid_backchannel_logout_deliveries_total',
    help: 'Back-Channel Logout deliveries by outcome: delivered, retry, given_up or dropped.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly keyEvents = new Counter({
    name: 'openid_signing_key_events_total',
    help: 'Signing key changes by kind: created, promoted, retired, removed, revoked.',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });

  readonly keyAge = new Gauge({
    name: 'openid_signing_key_age_seconds',
    help: 'Age of each published signing key, by algorithm, kid and status (next, active, retired).',
    labelNames: ['alg', 'kid', 'status'] as const,
    registers: [this.registry],
  });

  readonly storeErrors = new Counter({
    name: 'openid_dependency_errors_total',
    help: 'Requests answered 503 because a dependency was away: database (Postgres) or cache (Redis).',
    labelNames: ['dependency'] as const,
    registers: [this.registry],
  });

  readonly pruned = new Gauge({
    name: 'openid_pruned_rows',
    help: 'Rows deleted by the pruning jobs of this instance since it started, by table.',
    labelNames: ['table'] as const,
    registers: [this.registry],
  });

  readonly rateLimited = new Counter({
    name: 'openid_rate_limited_total',
    help: 'Requests refused 429 by RATE_LIMITS_*, by endpoint and by what was over (client or address).',
    labelNames: ['endpoint', 'per'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'openid_' });
  }

  /** Called at each scrape, before the values are read: for values held elsewhere. */
  private readonly collectors: (() => Promise<void>)[] = [];

  onScrape(collect: () => void | Promise<void>): void {
    this.collectors.push(async () => collect());
  }

  async text(): Promise<string> {
    await Promise.all(this.collectors.map((collect) => collect()));
    return this.registry.metrics();
  }
}
