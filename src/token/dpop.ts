import { createHmac, hkdfSync } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  calculateJwkThumbprint,
  decodeProtectedHeader,
  EmbeddedJWK,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
} from 'jose';
import { ShortLivedStore } from '../cache/short-lived-store.js';
import { CLOCK, systemClock, type Clock } from '../common/clock.js';
import { sha256 } from '../common/digest.js';
import {
  InvalidDpopProof,
  InvalidToken,
  OAuthError,
  UseDpopNonce,
} from '../common/errors/oauth-error.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AccessTokenClaims } from './access-tokens.js';
import type { AccessTokenScheme } from './presented-access-token.js';

/**
 * The proof algorithms accepted (RFC 9449 §4.2: asymmetric only, never `none` or a MAC), as
 * discovery's `dpop_signing_alg_values_supported` lists them.
 */
export const DPOP_SIGNING_ALGS = ['ES256', 'PS256', 'RS256', 'EdDSA'] as const;

/** RFC 9449 §4.2: the proof's `typ`. */
const DPOP_TYP = 'dpop+jwt';

/** A server nonce (DPOP_NONCE) is good for this period and the next (RFC 9449 §8). */
const NONCE_PERIOD_MS = 5 * 60_000;

/** Larger is not a proof a client library makes: refused before any parsing. */
const MAX_PROOF_LENGTH = 8192;
const MAX_JTI_LENGTH = 256;
// An empty signature gets as far as the alg check (alg none).
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** JWK members that only a private (or symmetric) key has (RFC 7518 §6). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** A proof that checked out: the thumbprint (RFC 7638) of its key, what tokens get bound to. */
export interface DpopProof {
  jkt: string;
}

/** The request a proof is for (RFC 9449 §4.3 steps 8, 9). */
export interface DpopRequest {
  headers: IncomingHttpHeaders;
  method: string;
  /**
   * The URL as the request reached us, without the query. The same path on the issuer's
   * origin (what discovery advertises, what a client behind a load balancer signs) is accepted
   * too.
   */
  url: string;
}

/** Why a proof was refused; each caller turns it into its endpoint's error. */
class ProofRefused extends Error {}
/** A proof without the current server nonce (§8, §9): the answer hands one out. */
class NonceRequired extends Error {}

/**
 * RFC 9449 DPoP proofs, checked in one place for the token endpoint (§4.3, §5) and the
 * resources (§7.1): one `DPoP` header, a JWS of `typ` dpop+jwt with an asymmetric `alg` and a
 * public `jwk` that verifies it, `htm` and `htu` naming this request, a fresh `iat`, and a `jti`
 * never seen in the window, on any instance (the shared store's put-if-absent).
 */
@Injectable()
export class DpopProofs {
  /**
   * With DPOP_NONCE, nonces are an HMAC of the current period under a key derived from
   * KEYS_ENCRYPTION_SECRET: every instance hands out and accepts the same ones, with no state.
   */
  private readonly nonceKey: Buffer | undefined;

  constructor(
    @Inject(ShortLivedStore) private readonly store: ShortLivedStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
  ) {
    this.nonceKey = config.dpop.nonce
      ? Buffer.from(
          hkdfSync('sha256', config.keys.encryptionSecret, 'openid-provider/dpop', 'nonce v1', 32),
        )
      : undefined;
  }

  /** The nonce clients should put in their next proofs (`DPoP-Nonce`); none unless DPOP_NONCE. */
  currentNonce(): string | undefined {
    return this.nonceKey && this.nonceFor(Math.floor(this.clock.now() / NONCE_PERIOD_MS));
  }

  private nonceFor(period: number): string {
    return createHmac('sha256', this.nonceKey!).update(String(period)).digest('base64url');
  }

  /** The current period's nonce, or the last one's (a client may have just received it). */
  private nonceAccepted(nonce: unknown): boolean {
    if (typeof nonce !== 'string') return false;
    const period = Math.floor(this.clock.now() / NONCE_PERIOD_MS);
    return nonce === this.nonceFor(period) || nonce === this.nonceFor(period - 1);
  }

  /**
   * The proof of a token request, or undefined when it carries none; a bad one is
   * `invalid_dpop_proof` (400, §5).
   */
  async atTokenEndpoint(request: DpopRequest): Promise<DpopProof | undefined> {
    try {
      return await this.check(request, undefined);
    } catch (e) {
      if (e instanceof ProofRefused) throw new InvalidDpopProof(e.message);
      // §8: 400 use_dpop_nonce with the nonce to use.
      if (e instanceof NonceRequired)
        throw new UseDpopNonce(e.message).withHeader('dpop-nonce', this.currentNonce()!);
      throw e;
    }
  }

  /**
   * Checks how a resource request presents an access token we verified (§7.1, §7.2): a token
   * bound to a key (`cnf.jkt`) only with the DPoP scheme and a proof by that key for this
   * token (`ath`); an unbound one only as Bearer. Refusals are 401s with a challenge.
   */
  async atResource(
    { scheme, token }: { scheme: AccessTokenScheme; token: string },
    claims: Pick<AccessTokenClaims, 'cnf'>,
    request: DpopRequest,
  ): Promise<void> {
    const jkt = boundKey(claims);
    if (jkt === undefined) {
      if (scheme === 'DPoP')
        throw new InvalidToken(
          'The access token is not DPoP-bound: present it as Bearer',
        ).withChallenge('Bearer', {
          error: 'invalid_token',
          error_description: 'The access token is not DPoP-bound',
        });
      return;
    }
    if (scheme !== 'DPoP')
      throw dpopChallenge(
        new InvalidToken('The access token is DPoP-bound: present it with the DPoP scheme'),
      );
    let proof: DpopProof | undefined;
    try {
      proof = await this.check(request, token);
    } catch (e) {
      if (e instanceof ProofRefused) throw resourceProofError(e.message);
      // §9: 401 with a use_dpop_nonce challenge and the nonce to use.
      if (e instanceof NonceRequired)
        throw dpopChallenge(new OAuthError('use_dpop_nonce', e.message, 401)).withHeader(
          'dpop-nonce',
          this.currentNonce()!,
        );
      throw e;
    }
    if (!proof) throw resourceProofError('A DPoP proof is required with a DPoP-bound token');
    if (proof.jkt !== jkt)
      throw resourceProofError('The DPoP proof is not signed by the key the token is bound to');
  }

  /** The proof's key thumbprint; undefined without a DPoP header; ProofRefused when bad. */
  private async check(
    { headers, method, url }: DpopRequest,
    accessToken: string | undefined,
  ): Promise<DpopProof | undefined> {
    const header = headers.dpop;
    if (header === undefined) return undefined;
    // Node joins a repeated header with ", "; no JWS has a comma.
    if (typeof header !== 'string' || header.includes(','))
      throw new ProofRefused('Send exactly one DPoP header');
    if (header.length > MAX_PROOF_LENGTH || !COMPACT_JWS.test(header))
      throw new ProofRefused('The DPoP proof is not a compact JWS');

    let protectedHeader: ReturnType<typeof decodeProtectedHeader>;
    try {
      protectedHeader = decodeProtectedHeader(header);
    } catch {
      throw new ProofRefused('The DPoP proof header is not valid JSON');
    }
    if (protectedHeader.typ !== DPOP_TYP)
      throw new ProofRefused('The DPoP proof typ must be dpop+jwt');
    const alg = protectedHeader.alg;
    if (typeof alg !== 'string' || !(DPOP_SIGNING_ALGS as readonly string[]).includes(alg))
      throw new ProofRefused(`The DPoP proof alg must be one of ${DPOP_SIGNING_ALGS.join(', ')}`);
    const jwk = protectedHeader.jwk;
    if (!jwk || typeof jwk !== 'object' || Array.isArray(jwk))
      throw new ProofRefused('The DPoP proof header must carry the public key as jwk');
    if (PRIVATE_MEMBERS.some((member) => member in jwk))
      throw new ProofRefused('The DPoP proof jwk must be a public key');
    if (jwk.kty === 'RSA' && !reasonableRsaKey(jwk))
      throw new ProofRefused('The DPoP proof jwk is an RSA key of unreasonable size');

    let payload: JWTPayload;
    const now = this.clock.now();
    try {
      ({ payload } = await jwtVerify(header, EmbeddedJWK, {
        algorithms: [...DPOP_SIGNING_ALGS],
        typ: DPOP_TYP,
        currentDate: new Date(now),
      }));
    } catch (e) {
      // A claim jose checks itself (iat, exp, nbf of the wrong type or out of range).
      if (e instanceof joseErrors.JWTClaimValidationFailed || e instanceof joseErrors.JWTExpired)
        throw new ProofRefused(`The DPoP proof ${e.claim} claim is invalid`);
      throw new ProofRefused('The DPoP proof signature or key is invalid');
    }

    if (typeof payload.jti !== 'string' || payload.jti.length === 0)
      throw new ProofRefused('The DPoP proof must have a jti');
    if (payload.jti.length > MAX_JTI_LENGTH)
      throw new ProofRefused('The DPoP proof jti is too long');
    if (payload.htm !== method) throw new ProofRefused(`The DPoP proof htm must be ${method}`);
    const htu = typeof payload.htu === 'string' ? normalisedUri(payload.htu) : undefined;
    const reached = normalisedUri(url);
    const advertised = reached && new URL(this.config.issuer).origin + new URL(reached).pathname;
    if (htu === undefined || (htu !== reached && htu !== advertised))
      throw new ProofRefused('The DPoP proof htu does not name this endpoint');
    if (typeof payload.iat !== 'number' || !Number.isFinite(payload.iat))
      throw new ProofRefused('The DPoP proof must have a numeric iat');
    const window = this.config.dpop.proofWindow;
    if (Math.abs(payload.iat * 1000 - now) > window)
      throw new ProofRefused('The DPoP proof iat is too far from the current time');
    if (accessToken !== undefined) {
      if (typeof payload.ath !== 'string')
        throw new ProofRefused('The DPoP proof must have ath with an access token');
      if (payload.ath !== sha256(accessToken))
        throw new ProofRefused('The DPoP proof ath does not match the access token');
    }

    // Last, so that a proof refused for its nonce alone does not use up its jti.
    if (this.nonceKey && !this.nonceAccepted(payload.nonce))
      throw new NonceRequired(
        payload.nonce === undefined
          ? 'The DPoP proof must carry the server nonce'
          : 'The DPoP proof nonce is stale or unknown',
      );
    const jkt = await calculateJwkThumbprint(jwk, 'sha256');
    // §11.1: one use per jti and key, on every instance, for as long as its iat is accepted.
    const fresh = await this.store.putIfAbsent(
      `dpop-jti:${sha256(`${jkt}:${payload.jti}`)}`,
      '1',
      2 * window + 1000,
    );
    if (!fresh) throw new ProofRefused('The DPoP proof was already used');
    return { jkt };
  }
}

/**
 * At most an 8192-bit modulus and a 64-bit public exponent: a verification costs what a
 * client library's key costs, not whatever a caller's key makes it (jose refuses below 2048).
 */
function reasonableRsaKey({ n, e }: { n?: unknown; e?: unknown }): boolean {
  return (
    typeof n === 'string' &&
    typeof e === 'string' &&
    Buffer.byteLength(n, 'base64url') <= 1024 &&
    Buffer.byteLength(e, 'base64url') <= 8
  );
}

/** The key thumbprint an access token is bound to (RFC 9449 §6.1), if any. */
export function boundKey(claims: Pick<AccessTokenClaims, 'cnf'>): string | undefined {
  const jkt = claims.cnf?.jkt;
  return typeof jkt === 'string' ? jkt : undefined;
}

/**
 * RFC 9449 §4.3 step 9: `htu` compared without query and fragment, after RFC 3986 §6.2.2 and
 * §6.2.3 normalisation (case of scheme and host, default port, dot segments): what WHATWG
 * URL parsing gives. Undefined for anything but an absolute http(s) URI.
 */
function normalisedUri(uri: string): string | undefined {
  if (uri.length > 2000) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
  if (parsed.username !== '' || parsed.password !== '') return undefined;
  return `${parsed.origin}${parsed.pathname}`;
}

/** §7.1: the challenge of a resource refusing a DPoP request, with the algorithms it takes. */
function dpopChallenge<E extends OAuthError>(error: E): E {
  return error.withChallenge('DPoP', {
    error: error.error,
    ...(error.description !== undefined && { error_description: error.description }),
    algs: DPOP_SIGNING_ALGS.join(' '),
  });
}

/**
 * RFC 9449 §7.1: a token sent with the DPoP scheme that is invalid, expired or revoked is
 * answered with a DPoP challenge, as a Bearer one gets a Bearer challenge.
 */
export function dpopTokenInvalid(description: string): OAuthError {
  return dpopChallenge(new InvalidToken(description));
}

/** §7.1: a bad proof at a resource is a 401 `invalid_dpop_proof`. */
function resourceProofError(description: string): OAuthError {
  return dpopChallenge(new OAuthError('invalid_dpop_proof', description, 401));
}
