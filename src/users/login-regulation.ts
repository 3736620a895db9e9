import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ShortLivedStore } from '../cache/short-lived-store.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { addressKey } from '../common/client-address.js';

/** Which check is counted: passwords and one-time codes have separate failure counts. */
export type AttemptKind = 'password' | 'totp';

/** Why an attempt was refused before its credentials were looked at. */
export type Refusal = 'user_banned' | 'address_banned' | 'too_many_attempts';

const digest = (text: string) => createHash('sha256').update(text).digest('base64url');

/**
 * Authelia's regulation, shared across instances through the ShortLivedStore: after
 * REGULATION_MAX_RETRIES failed attempts for one user name (any case) within
 * REGULATION_FIND_TIME, the name is banned for REGULATION_BAN_TIME and every login for it is
 * refused, right password or not. Besides, after REGULATION_ADDRESS_MAX_FAILURES failures from
 * one client address (IPv6: per /64) within the same window, the address is banned as long.
 *
 * An attempt is counted for its user name before the password is checked (`admit`), so
 * attempts sent in parallel cannot get more than REGULATION_MAX_RETRIES guesses through before
 * the first failure lands; a success clears its count (`recordSuccess`). Addresses count
 * failures only, so successful logins from a shared address are never limited.
 *
 * Keys hold digests of the user name and address, never the values themselves.
 */
@Injectable()
export class LoginRegulation {
  private readonly settings: AppConfig['regulation'];

  constructor(
    @Inject(ShortLivedStore) private readonly store: ShortLivedStore,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.settings = config.regulation;
  }

  /**
   * Counts an attempt for `username` and says whether it may go ahead: undefined, or the
   * reason it may not. Call exactly once per attempt, then `recordFailure` or `recordSuccess`.
   */
  async admit(kind: AttemptKind, username: string, address: unknown): Promise<Refusal | undefined> {
    const { maxRetries, addressMaxFailures, findTime } = this.settings;
    const [userBanned, addressBanned] = await Promise.all([
      maxRetries > 0 ? this.store.get(this.userBanKey(username)) : null,
      addressMaxFailures > 0 ? this.store.get(this.addressBanKey(address)) : null,
    ]);
    if (userBanned !== null) return 'user_banned';
    if (addressBanned !== null) return 'address_banned';
    if (maxRetries > 0) {
      const attempts = await this.store.increment(this.attemptsKey(kind, username), findTime);
      if (attempts > maxRetries) return 'too_many_attempts';
    }
    return undefined;
  }

  /** A failed attempt: bans the user name or the address when it reaches its limit. */
  async recordFailure(kind: AttemptKind, username: string, address: unknown): Promise<void> {
    const { maxRetries, addressMaxFailures, findTime, banTime } = this.settings;
    const work: Promise<void>[] = [];
    if (maxRetries > 0) {
      work.push(
        this.store.get(this.attemptsKey(kind, username)).then(async (attempts) => {
          if (Number(attempts) >= maxRetries) {
            await this.store.put(this.userBanKey(username), String(Date.now()), banTime);
          }
        }),
      );
    }
    if (addressMaxFailures > 0) {
      work.push(
        this.store.increment(this.addressFailuresKey(address), findTime).then(async (failures) => {
          if (failures >= addressMaxFailures) {
            await this.store.put(this.addressBanKey(address), String(Date.now()), banTime);
          }
        }),
      );
    }
    await Promise.all(work);
  }

  /** A successful attempt clears the user name's count for that kind (never a ban). */
  async recordSuccess(kind: AttemptKind, username: string): Promise<void> {
    if (this.settings.maxRetries > 0) await this.store.delete(this.attemptsKey(kind, username));
  }

  private user(username: string): string {
    return digest(username.toLowerCase());
  }

  private attemptsKey(kind: AttemptKind, username: string): string {
    return `regulation:attempts:${kind}:${this.user(username)}`;
  }

  private userBanKey(username: string): string {
    return `regulation:ban:user:${this.user(username)}`;
  }

  private addressFailuresKey(address: unknown): string {
    return `regulation:failures:address:${addressKey(address)}`;
  }

  private addressBanKey(address: unknown): string {
    return `regulation:ban:address:${addressKey(address)}`;
  }
}
