import { Inject, Injectable, Optional } from '@nestjs/common';
import { ShortLivedStore } from '../cache/short-lived-store.js';
import { CLOCK, systemClock, type Clock } from '../common/clock.js';
import { sha256 } from '../common/digest.js';
import type { ClaimsRequest } from './claims-request.js';
import { isHandle, newHandle } from '../common/opaque-handle.js';

/** Everything a code is bound to (design brief, Tokens): checked or carried at `/token`. */
export interface CodeGrant {
  clientId: string;
  redirectUri: string;
  /** Whether `redirect_uri` was in the authorization request (RFC 6749 §4.1.3). */
  redirectUriSent: boolean;
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
  /** RFC 9449 §10: the code is redeemed only with a DPoP proof by this key. */
  dpopJkt?: string;
  nonce?: string;
  scope: string[];
  claims: ClaimsRequest;
  resources: string[];
  /** The authentication event. */
  userId: string;
  sessionId: string;
  authTime: number;
  amr: string[];
  acr: string;
}

/**
 * A code as stored: its grant and when it expires by the provider's clock. The store's TTL
 * runs on real time, so it only cleans up; the expiry decides.
 */
interface StoredCode extends CodeGrant {
  /** Milliseconds since the epoch; absent on codes an earlier version stored (TTL alone). */
  expiresAt?: number;
}

/** What a redeemed code issued, so a replay can take it back. */
export interface IssuedFromCode {
  accessTokenJti: string;
  accessTokenExp: number;
  /** The refresh-token family the code started, if it issued a refresh token. */
  refreshFamilyId?: string;
}

export type Redemption =
  | { outcome: 'redeemed'; grant: CodeGrant; finish: (issued: IssuedFromCode) => Promise<void> }
  /** The code was already used; what its first use issued has been handed to `revoke`. */
  | { outcome: 'replayed' }
  /** The code belongs to another client: nothing was marked, the code still works for its own. */
  | { outcome: 'wrong-client' }
  | { outcome: 'unknown' };

/** Long enough to outlive any access token issued from a code, so a replay can revoke it. */
const REDEEMED_TTL_MS = 24 * 3600_000;

/**
 * Authorization codes: 256 random bits (base64url, no spaces), stored in the shared store as
 * their SHA-256 only, for their lifetime (60 s by default), redeemed at most once across all
 * instances: the first to put the code's "used" mark (put-if-absent, atomic) wins.
 *
 * A replay must take back what the first redemption issued (RFC 6749 §4.1.2, RFC 9700
 * §4.5.3.2), also when the two race on different instances. Each side writes before it reads
 * the other's mark: the winner records what it issued, then looks for a replay mark; the loser
 * leaves a replay mark, then looks for what was issued. Whichever writes last sees the other's
 * mark, so the tokens are revoked either way.
 */
@Injectable()
export class AuthorizationCodes {
  constructor(
    @Inject(ShortLivedStore) private readonly store: ShortLivedStore,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
  ) {}

  async issue(grant: CodeGrant, lifetimeMs: number): Promise<string> {
    const code = newHandle();
    const stored: StoredCode = { ...grant, expiresAt: this.clock.now() + lifetimeMs };
    await this.store.put(`code:${sha256(code)}`, JSON.stringify(stored), lifetimeMs);
    return code;
  }

  /**
   * `revoke` is called with what a replayed code issued, whichever side sees the replay. The
   * client binding is checked before any mark is written, so a client that merely saw another's
   * code can neither spend it nor revoke what it issued (issue 12, finding 9).
   */
  async redeem(
    code: string,
    clientId: string,
    revoke: (issued: IssuedFromCode) => Promise<void>,
  ): Promise<Redemption> {
    if (!isHandle(code)) return { outcome: 'unknown' };
    const key = sha256(code);
    const usedBy = await this.store.get(`code-used:${key}`);
    if (usedBy !== null) {
      return usedBy === clientId ? this.replayed(key, revoke) : { outcome: 'wrong-client' };
    }
    const stored = await this.store.get(`code:${key}`);
    // Only a real code leaves marks: guessing writes nothing.
    if (stored === null) return { outcome: 'unknown' };
    const { expiresAt, ...grant } = JSON.parse(stored) as StoredCode;
    if (expiresAt !== undefined && expiresAt <= this.clock.now()) return { outcome: 'unknown' };
    if (grant.clientId !== clientId) return { outcome: 'wrong-client' };
    // The used mark names the client, so a later replay can be told apart from a stranger.
    if (!(await this.store.putIfAbsent(`code-used:${key}`, clientId, REDEEMED_TTL_MS)))
      return this.replayed(key, revoke);
    await this.store.delete(`code:${key}`);
    return {
      outcome: 'redeemed',
      grant,
      finish: async (issued) => {
        await this.store.put(`code-issued:${key}`, JSON.stringify(issued), REDEEMED_TTL_MS);
        if ((await this.store.get(`code-replayed:${key}`)) !== null) await revoke(issued);
      },
    };
  }

  private async replayed(
    key: string,
    revoke: (issued: IssuedFromCode) => Promise<void>,
  ): Promise<Redemption> {
    await this.store.put(`code-replayed:${key}`, '1', REDEEMED_TTL_MS);
    const issued = await this.store.get(`code-issued:${key}`);
    if (issued !== null) await revoke(JSON.parse(issued) as IssuedFromCode);
    return { outcome: 'replayed' };
  }
}
