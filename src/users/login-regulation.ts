import { Inject, Injectable, Optional } from '@nestjs/common';
import { FailureLimiter, type Reservation } from '../cache/failure-limiter.js';
import { ShortLivedStore } from '../cache/short-lived-store.js';
import { addressKey } from '../common/client-address.js';
import { CLOCK, systemClock, type Clock } from '../common/clock.js';
import { sha256 } from '../common/digest.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

/** Which check is counted: passwords and one-time codes have separate failure counts. */
export type AttemptKind = 'password' | 'totp';

/** Why an attempt was refused before its credentials were looked at. */
export type Refusal = 'user_banned' | 'address_banned' | 'too_many_attempts';

/** An admitted attempt: settle it exactly once with its outcome. */
export type LoginAttempt = Reservation;

/**
 * Authelia's regulation, shared across instances through the ShortLivedStore: after
 * REGULATION_MAX_RETRIES failed attempts for one user name (any case) within
 * REGULATION_FIND_TIME, the name is banned for REGULATION_BAN_TIME and every login for it is
 * refused, right password or not. Besides, after REGULATION_ADDRESS_MAX_FAILURES failures from
 * one client address (IPv6: per /64) within the same window, the address is banned as long.
 *
 * Only failures count, and only wrong credentials are failures (issue 12, finding 7): an
 * attempt that ends for a server reason (`abandoned`) counts nothing. An admitted attempt holds
 * one of the user name's places until it is settled, so parallel guesses cannot get more than
 * REGULATION_MAX_RETRIES checks through before their failures land, while parallel right
 * passwords only wait for each other. A success forgets the user name's failures of its kind.
 * Addresses count failures only, so successful logins from a shared address are never limited.
 *
 * Keys hold digests of the user name and address, never the values themselves.
 */
@Injectable()
export class LoginRegulation {
  private readonly users: FailureLimiter;
  private readonly addresses: FailureLimiter;

  constructor(
    @Inject(ShortLivedStore) store: ShortLivedStore,
    @Inject(APP_CONFIG) config: AppConfig,
    @Optional() @Inject(CLOCK) clock: Clock = systemClock,
  ) {
    const { maxRetries, addressMaxFailures, findTime, banTime } = config.regulation;
    this.users = new FailureLimiter(
      store,
      clock,
      'regulation:user',
      { maxFailures: maxRetries, findTime, banTime },
      { successForgets: true },
    );
    this.addresses = new FailureLimiter(store, clock, 'regulation:address', {
      maxFailures: addressMaxFailures,
      findTime,
      banTime,
    });
  }

  /**
   * Whether an attempt for `username` may go ahead: the attempt to settle, or the reason it may
   * not. A refused attempt counts nothing.
   */
  async admit(
    kind: AttemptKind,
    username: string,
    address: unknown,
  ): Promise<LoginAttempt | Refusal> {
    const user = this.user(username);
    const where = addressKey(address);
    const [place, addressBan] = await Promise.all([
      this.users.reserve(user, `${kind}:${user}`),
      this.addresses.bannedFor(where),
    ]);
    if (place === 'banned') return 'user_banned';
    if (place === 'busy') return 'too_many_attempts';
    if (addressBan > 0) {
      await place.abandoned();
      return 'address_banned';
    }
    return {
      failed: async () => {
        await Promise.all([place.failed(), this.addresses.fail(where)]);
      },
      succeeded: () => place.succeeded(),
      abandoned: () => place.abandoned(),
    };
  }

  private user(username: string): string {
    return sha256(username.toLowerCase());
  }
}
