import { createHash } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { ShortLivedStore } from '../../cache/short-lived-store.js';
import { addressKey } from '../../common/client-address.js';
import { CLOCK, systemClock, type Clock } from '../../common/clock.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';

const digest = (text: string) => createHash('sha256').update(text).digest('base64url');

/**
 * Limits failed client authentications, shared by every instance through the ShortLivedStore:
 * after CLIENT_REGULATION_MAX_RETRIES failures for one client, or
 * CLIENT_REGULATION_ADDRESS_MAX_FAILURES from one client address (IPv6: per /64), within
 * CLIENT_REGULATION_FIND_TIME, that client or address is banned for CLIENT_REGULATION_BAN_TIME.
 *
 * What a ban means is the authenticator's business: it stops the checks that cost a slow hash.
 * Successes never clear a count, so an attacker cannot interleave a service's own successful
 * requests to keep guessing. A ban's value is its end on the injectable clock, so tests pass it
 * without waiting; the store entry merely outlives it.
 */
@Injectable()
export class ClientAuthRegulation {
  private readonly settings: AppConfig['clientRegulation'];

  constructor(
    @Inject(ShortLivedStore) private readonly store: ShortLivedStore,
    @Inject(APP_CONFIG) config: AppConfig,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
  ) {
    this.settings = config.clientRegulation;
  }

  /** Seconds until the client's or the address's ban ends; undefined when neither is banned. */
  async bannedFor(clientId: string | undefined, address: unknown): Promise<number | undefined> {
    const { maxRetries, addressMaxFailures } = this.settings;
    const bans = await Promise.all([
      clientId !== undefined && maxRetries > 0 ? this.store.get(this.clientBanKey(clientId)) : null,
      addressMaxFailures > 0 ? this.store.get(this.addressBanKey(address)) : null,
    ]);
    const now = this.clock.now();
    const until = Math.max(0, ...bans.map((ban) => Number(ban ?? 0)));
    return until > now ? Math.ceil((until - now) / 1000) : undefined;
  }

  /** A failure with wrong credentials; `clientId` only when the client exists. */
  async recordFailure(clientId: string | undefined, address: unknown): Promise<void> {
    const { maxRetries, addressMaxFailures, findTime } = this.settings;
    await Promise.all([
      clientId !== undefined && maxRetries > 0
        ? this.count(
            this.clientFailuresKey(clientId),
            maxRetries,
            findTime,
            this.clientBanKey(clientId),
          )
        : undefined,
      addressMaxFailures > 0
        ? this.count(
            this.addressFailuresKey(address),
            addressMaxFailures,
            findTime,
            this.addressBanKey(address),
          )
        : undefined,
    ]);
  }

  private async count(key: string, max: number, window: number, banKey: string): Promise<void> {
    const failures = await this.store.increment(key, window);
    if (failures < max) return;
    const { banTime } = this.settings;
    await this.store.put(banKey, String(this.clock.now() + banTime), banTime);
    // The next window starts after the ban, not with the failures that caused it.
    await this.store.delete(key);
  }

  private clientFailuresKey(clientId: string): string {
    return `client-regulation:failures:client:${digest(clientId)}`;
  }

  private clientBanKey(clientId: string): string {
    return `client-regulation:ban:client:${digest(clientId)}`;
  }

  private addressFailuresKey(address: unknown): string {
    return `client-regulation:failures:address:${addressKey(address)}`;
  }

  private addressBanKey(address: unknown): string {
    return `client-regulation:ban:address:${addressKey(address)}`;
  }
}
