import { createHash } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Client } from '../clients/client.entity.js';
import { CLOCK, systemClock, type Clock } from '../common/clock.js';
import { randomId } from '../common/random-id.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { SigningAlg } from '../config/environment.js';
import { SigningService } from '../keys/signing.service.js';

/** The authentication event an ID token speaks of. */
export interface Authentication {
  /** Seconds since the epoch. */
  authTime: number;
  amr: string[];
  acr: string;
  /** The session id the client sees (Front- and Back-Channel Logout `sid`). */
  sid?: string;
}

export interface IdTokenInput {
  client: Client;
  subject: string;
  authentication: Authentication;
  nonce?: string;
  /** Issued beside the ID token at the token endpoint: `at_hash` binds them (Core §3.1.3.6). */
  accessToken?: string;
  /** Scope or `claims`-parameter claims that go in the ID token itself. */
  claims?: Record<string, unknown>;
}

/**
 * Core §3.1.3.6 / §3.3.2.11: the left half of the hash of the token's ASCII octets, with the
 * hash of the signing algorithm (SHA-512 for EdDSA with Ed25519, OpenID Connect errata).
 */
export function tokenHash(token: string, alg: SigningAlg): string {
  const hash = createHash(alg === 'EdDSA' ? 'sha512' : 'sha256')
    .update(token, 'ascii')
    .digest();
  return hash.subarray(0, hash.length / 2).toString('base64url');
}

/** What an `id_token_hint` says, once it proved to be one of our ID tokens. */
export interface IdTokenHint {
  sub: string;
  aud: string[];
  azp?: string;
  sid?: string;
}

/** ID tokens (Core §2), signed with the client's `id_token_signed_response_alg`. */
@Injectable()
export class IdTokens {
  constructor(
    @Inject(SigningService) private readonly signing: SigningService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
  ) {}

  async issue(input: IdTokenInput): Promise<string> {
    const { client, authentication } = input;
    const alg = client.metadata.id_token_signed_response_alg;
    const lifetimeMs = client.metadata.lifespans.id_token ?? this.config.lifespans.idToken;
    const iat = Math.floor(this.clock.now() / 1000);
    const payload: Record<string, unknown> = {
      // Requested claims first: the protocol claims below always win over them.
      ...input.claims,
      iss: this.config.issuer,
      sub: input.subject,
      aud: client.clientId,
      // Core §2: azp is the party the token was issued to; with one audience it equals aud.
      azp: client.clientId,
      iat,
      exp: iat + Math.floor(lifetimeMs / 1000),
      jti: randomId(16),
      // Core §2 makes it optional unless asked for; always sent, every grant's ID token has
      // the same claims (a relying party compares a refreshed one with the first).
      auth_time: authentication.authTime,
      ...(input.nonce !== undefined && { nonce: input.nonce }),
      acr: authentication.acr,
      amr: authentication.amr,
      ...(authentication.sid !== undefined && { sid: authentication.sid }),
      ...(input.accessToken !== undefined && { at_hash: tokenHash(input.accessToken, alg) }),
    };
    return this.signing.sign(payload, { alg });
  }
}

/**
 * An `id_token_hint` (Core §3.1.2.1, RP-Initiated Logout §2): signed by one of our keys for
 * our issuer, expiry tolerated; undefined for anything else, access tokens included.
 */
export async function verifyIdTokenHint(
  signing: SigningService,
  issuer: string,
  jwt: string,
): Promise<IdTokenHint | undefined> {
  try {
    const { payload, protectedHeader } = await signing.verify(jwt, {
      issuer,
      // An expired ID token is still a fine hint: verify as of the epoch, so `exp` passes.
      currentDate: new Date(0),
    });
    // Access tokens are signed with the same keys; only an ID token is a hint.
    if (protectedHeader.typ !== undefined && protectedHeader.typ.toLowerCase() !== 'jwt')
      return undefined;
    const aud = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []);
    if (typeof payload.sub !== 'string' || aud.length === 0) return undefined;
    return {
      sub: payload.sub,
      aud,
      azp: typeof payload.azp === 'string' ? payload.azp : undefined,
      sid: typeof payload.sid === 'string' ? payload.sid : undefined,
    };
  } catch {
    return undefined;
  }
}
