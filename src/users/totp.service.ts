import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { ShortLivedStore } from '../cache/short-lived-store.js';
import { CLOCK, systemClock, type Clock } from '../common/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { addressUnit } from '../common/client-address.js';
import { settleAttempt } from '../cache/failure-limiter.js';
import { LoginRegulation } from './login-regulation.js';
import { quoted } from './password-login.js';
import { generateTotpSecret, matchTotp, totpUri } from './totp.js';
import type { User } from './user.entity.js';
import { UsersService } from './users.service.js';

/** One answer for every refused code (wrong, replayed, malformed, banned, not enrolled). */
export type TotpResult = { ok: true } | { ok: false; reason: 'invalid_code' };

type InternalReason =
  | 'malformed_code'
  | 'not_enrolled'
  | 'user_banned'
  | 'address_banned'
  | 'too_many_attempts'
  | 'wrong_code'
  | 'replayed';

/**
 * The second factor: RFC 6238 codes (TOTP_* settings), each accepted once across all
 * instances (put-if-absent on the user and the time step), under `LoginRegulation` with its
 * own failure count, so guessing codes bans the user name as guessing passwords does.
 */
@Injectable()
export class TotpService {
  private readonly logger = new Logger('Login');

  constructor(
    @Inject(UsersService) private readonly users: UsersService,
    @Inject(LoginRegulation) private readonly regulation: LoginRegulation,
    @Inject(ShortLivedStore) private readonly store: ShortLivedStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Checks a code of `user` (who passed the first factor). On success the session's
   * `amr`/`acr` come from `authenticationContext(['password', 'totp'])`.
   */
  async verifyTotp(user: User, code: unknown, address?: unknown): Promise<TotpResult> {
    if (typeof code !== 'string' || code.length > 16) {
      return this.refuse('malformed_code', user, address);
    }
    const attempt = await this.regulation.admit('totp', user.username, address);
    if (typeof attempt === 'string') return this.refuse(attempt, user, address);
    const refused = await settleAttempt(
      attempt,
      () => this.check(user, code),
      (reason) => reason === undefined,
    );
    return refused ? this.refuse(refused, user, address) : { ok: true };
  }

  /** Why the code is refused, or undefined when it is right and was not used before. */
  private async check(user: User, code: string): Promise<InternalReason | undefined> {
    const secret = this.users.totpSecret(user);
    if (!secret) return 'not_enrolled';
    const settings = this.config.totp;
    const now = this.clock.now();
    const step = matchTotp(secret, code, settings, now);
    if (step === undefined) return 'wrong_code';
    // The code stays valid until the end of step + skew; remember its use a little longer.
    const validUntil = (step + settings.skew + 1) * settings.period * 1000;
    const fresh = await this.store.putIfAbsent(
      `totp:used:${user.id}:${step}`,
      '1',
      validUntil - now + settings.period * 1000,
    );
    return fresh ? undefined : 'replayed';
  }

  /**
   * Enrols a user: stores a new secret and returns the `otpauth://` URI for their app. Any
   * earlier secret stops working.
   */
  async enrol(user: User): Promise<string | undefined> {
    const secret = generateTotpSecret();
    if (!(await this.users.setTotpSecret(user.id, secret))) return undefined;
    return totpUri(secret, this.config.totp, user.username);
  }

  private refuse(reason: InternalReason, user: User, address: unknown): TotpResult {
    this.logger.warn(
      `One-time code refused (${reason}) for ${quoted(user.username)} from ${addressUnit(address)}`,
    );
    return { ok: false, reason: 'invalid_code' };
  }
}
