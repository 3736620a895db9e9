import { Metrics } from '../metrics/metrics.js';
import {
  applyDecorators,
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  Optional,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { ClientAuthenticated } from '../clients/auth/client-auth.guard.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ShortLivedStore } from '../cache/short-lived-store.js';
import { addressKey } from '../common/client-address.js';
import { CLOCK, systemClock, type Clock } from '../common/clock.js';
import { sha256 } from '../common/digest.js';
import { TooManyRequests } from '../common/errors/oauth-error.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { Bucket } from './buckets.js';
import type { LimitedEndpoint } from './rate-limits.settings.js';

const LIMITED_ENDPOINT = 'rate-limits:endpoint';

/**
 * Fixed windows aligned to the clock, one counter per bucket in the shared store, so every
 * instance counts together. A request over any bucket is refused with 429 and `Retry-After`
 * (the end of the window that refused it); a request the server failed (5xx) gives its counts
 * back once its answer is sent.
 */
@Injectable()
export class RateLimits {
  constructor(
    @Inject(ShortLivedStore) private readonly store: ShortLivedStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
    @Optional() @Inject(Metrics) private readonly metrics?: Metrics,
  ) {}

  /** Counts one request of `who` (a client id or an address) at `endpoint`; throws past a bucket. */
  async count(
    endpoint: LimitedEndpoint,
    per: 'client' | 'address',
    who: unknown,
    reply: FastifyReply,
  ): Promise<void> {
    const buckets: Bucket[] = this.config.rateLimits[endpoint][per];
    if (buckets.length === 0) return;
    // Digests: the store never holds an address or a client id as such.
    const subject = per === 'address' ? addressKey(who) : sha256(String(who));
    const now = this.clock.now();
    const windows = buckets.map(({ requests, periodMs }) => {
      const window = Math.floor(now / periodMs);
      const endsAt = (window + 1) * periodMs;
      return {
        requests,
        endsAt,
        key: `rate:${endpoint}:${per}:${subject}:${periodMs}:${window}`,
      };
    });
    // Sent together: the Redis client pipelines commands issued in one tick.
    const counts = await Promise.all(
      windows.map((w) => this.store.increment(w.key, w.endsAt - now + 1_000)),
    );
    reply.raw.once('finish', () => {
      if (reply.raw.statusCode >= 500) void this.refund(windows.map((w) => w.key));
    });
    const over = windows.filter((w, i) => counts[i] > w.requests);
    if (over.length === 0) return;
    this.metrics?.rateLimited.inc({ endpoint, per });
    const retryAfter = Math.ceil((Math.max(...over.map((w) => w.endsAt)) - now) / 1000);
    throw new TooManyRequests(
      per === 'client'
        ? 'Too many requests from this client; try again later'
        : 'Too many requests from this address; try again later',
      Math.max(1, retryAfter),
    );
  }

  private async refund(keys: string[]): Promise<void> {
    await Promise.all(keys.map((key) => this.store.decrement(key))).catch(() => {
      // The store is away: the window ends by itself.
    });
  }
}

/** Counts the request against its client address, before the client authenticates. */
@Injectable()
export class AddressRateLimitGuard implements CanActivate {
  constructor(
    @Inject(RateLimits) private readonly limits: RateLimits,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const endpoint = this.reflector.get<LimitedEndpoint>(LIMITED_ENDPOINT, context.getHandler());
    const http = context.switchToHttp();
    const req = http.getRequest<FastifyRequest>();
    await this.limits.count(endpoint, 'address', req.ip, http.getResponse());
    return true;
  }
}

/** Counts the request against the client it authenticated as (a guard: no interceptor cost). */
@Injectable()
export class ClientRateLimitGuard implements CanActivate {
  constructor(
    @Inject(RateLimits) private readonly limits: RateLimits,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const endpoint = this.reflector.get<LimitedEndpoint>(LIMITED_ENDPOINT, context.getHandler());
    const http = context.switchToHttp();
    const req = http.getRequest<FastifyRequest & { user?: { client: { clientId: string } } }>();
    const clientId = req.user?.client.clientId;
    if (clientId !== undefined) {
      await this.limits.count(endpoint, 'client', clientId, http.getResponse());
    }
    return true;
  }
}

/**
 * Client authentication (`ClientAuthenticated`) with the endpoint's rate limits
 * (RATE_LIMITS_*) around it: guards run in the order given, so the address is counted before
 * the client authenticates and the client once it has.
 */
export const RateLimitedClientAuthentication = (endpoint: LimitedEndpoint) =>
  applyDecorators(
    SetMetadata(LIMITED_ENDPOINT, endpoint),
    UseGuards(AddressRateLimitGuard),
    ClientAuthenticated(),
    UseGuards(ClientRateLimitGuard),
    ApiTooManyRequestsResponse({
      description:
        'Rate limited (RATE_LIMITS_*), per client or per client address: `Retry-After` says when to try again',
    }),
  );
