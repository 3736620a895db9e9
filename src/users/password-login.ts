import { AuditLog } from '../audit/audit-log.js';
import { Metrics } from '../metrics/metrics.js';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { authenticationContext, type Acr } from './authentication-context.js';
import { addressUnit } from '../common/client-address.js';
import { logDigest } from '../common/logging/log-digest.js';
import { settleAttempt } from '../cache/failure-limiter.js';
import { LoginRegulation } from './login-regulation.js';
import { verifyPassword } from './passwords.js';
import type { User } from './user.entity.js';
import { UsersService } from './users.service.js';

/** Longer input is refused before any work: argon2id of megabytes is a cheap denial of service. */
const MAX_USERNAME = 100;
const MAX_PASSWORD = 4096;

export type LoginSuccess = {
  ok: true;
  user: User;
  /** `['pwd']`: RFC 8176. */
  amr: string[];
  acr: Acr;
  /** The user has a TOTP secret: ask for a code (`TotpService.verifyTotp`) before the session. */
  totpRequired: boolean;
};

/**
 * The one answer for every refusal (unknown user, wrong password, disabled account, ban,
 * malformed input), so the login page shows one message and tells an attacker nothing.
 */
export type LoginFailure = { ok: false; reason: 'invalid_credentials' };

export type LoginResult = LoginSuccess | LoginFailure;

/** Why a login was refused; logged, never returned. */
/** Refusals by the login regulation, not by the credentials. */
const LOCKED = new Set<InternalReason>(['user_banned', 'address_banned', 'too_many_attempts']);

type InternalReason =
  | 'malformed_input'
  | 'user_banned'
  | 'address_banned'
  | 'too_many_attempts'
  | 'unknown_user'
  | 'no_password'
  | 'wrong_password'
  | 'disabled';

const REFUSED: LoginFailure = { ok: false, reason: 'invalid_credentials' };

/**
 * The first factor: a user name and a password, under `LoginRegulation`. Every refusal looks
 * the same and takes about as long: an unknown user still costs a password hash
 * (`verifyPassword`), and so does a refused (banned) attempt. The reason is logged, with the
 * account (or the typed name's keyed digest) and the address, never the password.
 */
@Injectable()
export class PasswordLogin {
  private readonly logger = new Logger('Login');

  constructor(
    @Inject(UsersService) private readonly users: UsersService,
    @Inject(LoginRegulation) private readonly regulation: LoginRegulation,
    @Optional() @Inject(Metrics) private readonly metrics?: Metrics,
    @Optional() @Inject(AuditLog) private readonly audit?: AuditLog,
  ) {}

  /** `address`: the client's IP address as the server sees it (behind a proxy, the forwarded one). */
  async login(username: unknown, password: unknown, address: unknown): Promise<LoginResult> {
    if (
      typeof username !== 'string' ||
      typeof password !== 'string' ||
      username.length === 0 ||
      username.length > MAX_USERNAME ||
      password.length === 0 ||
      password.length > MAX_PASSWORD
    ) {
      return this.refuse('malformed_input', username, address);
    }
    const user = await this.users.findByUsername(username);
    // Regulation counts the account, not the spelling typed: Postgres' lower() finds "victim"
    // for "vİctim", which JavaScript lowercases differently (issue 12, finding 6). A name with
    // no account is counted as typed.
    const subject = user?.username ?? username;
    const attempt = await this.regulation.admit('password', subject, address);
    if (typeof attempt === 'string') {
      // The same work as a real check, so a banned name does not answer faster.
      await verifyPassword(password, undefined);
      return this.refuse(attempt, username, address, user ?? undefined);
    }
    const outcome = await settleAttempt(
      attempt,
      async (): Promise<User | InternalReason> => {
        const matches = await verifyPassword(password, user?.passwordDigest);
        if (!user) return 'unknown_user';
        if (!user.passwordDigest) return 'no_password';
        if (!matches) return 'wrong_password';
        return user.disabled ? 'disabled' : user;
      },
      (checked) => typeof checked !== 'string',
    );
    if (typeof outcome === 'string')
      return this.refuse(outcome, username, address, user ?? undefined);
    this.metrics?.logins.inc({ outcome: 'success' });
    await this.audit?.record({
      type: 'login.success',
      actor: 'user',
      userId: outcome.id,
      address: addressUnit(address),
      detail: { method: 'password' },
    });
    await this.rehash(outcome, password);
    this.logger.log(
      `Password accepted for ${quoted(outcome.username)} from ${addressUnit(address)}`,
    );
    return {
      ok: true,
      user: outcome,
      ...authenticationContext(['password']),
      totpRequired: hasTotp(outcome),
    };
  }

  /**
   * Imported digests (Authelia's PBKDF2, bcrypt, other argon2 parameters) converge on the
   * provider's argon2id, so the time a check takes no longer tells imported accounts apart
   * (issue 12, finding 15). A failure here must not fail the sign-in.
   */
  private async rehash(user: User, password: string): Promise<void> {
    try {
      if (await this.users.rehashPassword(user, password)) {
        this.logger.log(`Password of user ${user.id} re-hashed to argon2id`);
      }
    } catch (e) {
      this.logger.warn(`Password of user ${user.id} not re-hashed: ${(e as Error).message}`);
    }
  }

  /**
   * Logs the account's id when the name found one, else the typed name's keyed digest: what
   * was typed may be a password typed into the wrong field (issue 12, finding 13).
   */
  private async refuse(
    reason: InternalReason,
    username: unknown,
    address: unknown,
    user?: User,
  ): Promise<LoginFailure> {
    const who = user
      ? `user ${user.id}`
      : typeof username === 'string'
        ? `name ${logDigest(username)}`
        : 'no name';
    this.logger.warn(`Login refused (${reason}) for ${who} from ${addressUnit(address)}`);
    const locked = LOCKED.has(reason);
    this.metrics?.logins.inc({ outcome: locked ? 'locked' : 'failure' });
    // What was typed is never kept: a password typed as the name would be in the log.
    await this.audit?.record({
      type: locked ? 'login.locked' : 'login.failure',
      actor: 'user',
      userId: user?.id,
      address: addressUnit(address),
      detail: {
        method: 'password',
        reason,
        ...(!user && typeof username === 'string' && { name: logDigest(username) }),
      },
    });
    return REFUSED;
  }
}

function hasTotp(user: User): boolean {
  return user.totpSecretEncrypted !== null && user.totpSecretEncrypted.length > 0;
}

/** A user name for a log line: quoted, control characters escaped, bounded. */
export function quoted(username: unknown): string {
  return typeof username === 'string' ? JSON.stringify(username.slice(0, MAX_USERNAME)) : '(none)';
}
