import { Inject, Injectable, Optional } from '@nestjs/common';
import { FailureLimiter } from '../../cache/failure-limiter.js';
import { ShortLivedStore } from '../../cache/short-lived-store.js';
import { addressKey } from '../../common/client-address.js';
import { CLOCK, systemClock, type Clock } from '../../common/clock.js';
import { sha256 } from '../../common/digest.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';

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
  private readonly clients: FailureLimiter;
  private readonly addresses: FailureLimiter;

  constructor(
    @Inject(ShortLivedStore) store: ShortLivedStore,
    @Inject(APP_CONFIG) config: AppConfig,
    @Optional() @Inject(CLOCK) clock: Clock = systemClock,
  ) {
    const { maxRetries, addressMaxFailures, findTime, banTime } = config.clientRegulation;
    this.clients = new FailureLimiter(store, clock, 'client-regulation:client', {
      maxFailures: maxRetries,
      findTime,
      banTime,
    });
    this.addresses = new FailureLimiter(store, clock, 'client-regulation:address', {
      maxFailures: addressMaxFailures,
      findTime,
      banTime,
    });
  }

  /** Seconds until the client's or the address's ban ends; undefined when neither is banned. */
  async bannedFor(clientId: string | undefined, address: unknown): Promise<number | undefined> {
    const bans = await Promise.all([
      clientId !== undefined ? this.clients.bannedFor(sha256(clientId)) : 0,
      this.addresses.bannedFor(addressKey(address)),
    ]);
    const ms = Math.max(...bans);
    return ms > 0 ? Math.ceil(ms / 1000) : undefined;
  }

  /** A failure with wrong credentials; `clientId` only when the client exists. */
  async recordFailure(clientId: string | undefined, address: unknown): Promise<void> {
    await Promise.all([
      clientId !== undefined ? this.clients.fail(sha256(clientId)) : undefined,
      this.addresses.fail(addressKey(address)),
    ]);
  }
}
