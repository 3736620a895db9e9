import { Inject, Injectable, Optional } from '@nestjs/common';
import { decodeProtectedHeader, errors, type JWTPayload } from 'jose';
import { ShortLivedStore } from '../cache/short-lived-store.js';
import { JwksFetchError } from '../clients/auth/client-jwks.js';
import { ClientKeys } from '../clients/auth/client-keys.js';
import { PRIVATE_KEY_JWT_ALGS } from '../clients/client-metadata.js';
import type { Client } from '../clients/client.entity.js';
import { ClientsService } from '../clients/clients.service.js';
import { CLOCK, systemClock, type Clock } from '../common/clock.js';
import { sha256 } from '../common/digest.js';
import {
  InvalidClient,
  InvalidRequest,
  InvalidRequestObject,
} from '../common/errors/oauth-error.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { RawParameters } from './authorization-request.js';

/** Generous for any real request, small enough to refuse abuse before a signature check. */
const MAX_REQUEST_OBJECT_LENGTH = 32_768;
/** The furthest ahead a request object's `exp` may be: it is a one-off, not a credential. */
const MAX_LIFETIME_S = 3600;
const CLOCK_TOLERANCE_S = 5;
/** The JWT's own claims, not authorization request parameters. */
const JWT_CLAIMS = new Set(['iss', 'aud', 'exp', 'nbf', 'iat', 'jti', 'sub']);

/** What signed request objects can be signed with: the asymmetric algorithms of client keys. */
export const REQUEST_OBJECT_SIGNING_ALGS = PRIVATE_KEY_JWT_ALGS;

/**
 * Signed request objects by value (RFC 9101, OpenID Connect Core §6.1): the `request`
 * parameter is a JWT the client signed with one of its registered keys, for this provider
 * (`aud`), not expired, not replayed; its claims are the request, and every other parameter
 * but `client_id` is ignored (RFC 9101 §6.3). Nothing is trusted before the signature is, so
 * every error here is `invalid_request_object` on the provider's page.
 */
@Injectable()
export class RequestObjects {
  constructor(
    @Inject(ClientsService) private readonly clients: ClientsService,
    @Inject(ClientKeys) private readonly keys: ClientKeys,
    @Inject(ShortLivedStore) private readonly store: ShortLivedStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
  ) {}

  /** The parameters a request object stands for, with `client_id`. */
  async resolve(sent: RawParameters): Promise<RawParameters> {
    const { request, client_id: clientId } = sent;
    if (Array.isArray(request)) throw new InvalidRequest('Parameter request is repeated');
    if (typeof request !== 'string' || request === '')
      throw new InvalidRequestObject('The request parameter is empty');
    if (typeof clientId !== 'string' || clientId === '')
      throw new InvalidRequest('client_id is required with a request object');
    if (sent.request_uri !== undefined)
      throw new InvalidRequest('request and request_uri cannot both be sent');
    if (request.length > MAX_REQUEST_OBJECT_LENGTH)
      throw new InvalidRequestObject(
        `The request object is longer than ${MAX_REQUEST_OBJECT_LENGTH} characters`,
      );
    const client = clientId.length <= 200 ? await this.clients.find(clientId) : undefined;
    if (!client) throw new InvalidClient('The client is not known');
    const claims = await this.verify(request, client);
    // RFC 9101 §5: the object's client_id, when it has one, is the one of the request.
    if (claims.client_id !== undefined && claims.client_id !== clientId)
      throw new InvalidRequestObject('The request object is for another client_id');
    if (claims.request !== undefined || claims.request_uri !== undefined)
      throw new InvalidRequestObject('A request object cannot hold request or request_uri');
    return { ...toParameters(claims), client_id: clientId };
  }

  private async verify(jwt: string, client: Client): Promise<JWTPayload> {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(jwt).alg;
    } catch {
      throw new InvalidRequestObject('The request object is not a signed JWT');
    }
    const registered = client.metadata.request_object_signing_alg;
    const allowed: readonly string[] = registered ? [registered] : REQUEST_OBJECT_SIGNING_ALGS;
    // Unsigned (alg none) and symmetric objects are refused: secrets are kept only as digests.
    if (alg === undefined || !allowed.includes(alg))
      throw new InvalidRequestObject(
        registered
          ? `The request object must be signed with ${registered}`
          : `The request object must be signed with one of ${REQUEST_OBJECT_SIGNING_ALGS.join(', ')}`,
      );
    if (!this.keys.has(client))
      throw new InvalidRequestObject('The client has no registered keys (jwks or jwks_uri)');
    const now = this.clock.now();
    let claims: JWTPayload;
    try {
      claims = await this.keys.verify(jwt, client, {
        algorithms: [alg],
        issuer: client.clientId,
        audience: this.config.issuer,
        requiredClaims: ['exp'],
        clockTolerance: CLOCK_TOLERANCE_S,
        currentDate: new Date(now),
      });
    } catch (e) {
      throw new InvalidRequestObject(verificationFailure(e));
    }
    if (claims.exp! - Math.floor(now / 1000) > MAX_LIFETIME_S)
      throw new InvalidRequestObject(
        `The request object's exp is more than ${MAX_LIFETIME_S} s ahead`,
      );
    // One use, when it names itself: remembered until it would have expired anyway.
    if (claims.jti !== undefined) {
      if (typeof claims.jti !== 'string' || claims.jti.length > 200)
        throw new InvalidRequestObject('The request object jti must be a string');
      const ttlMs = (claims.exp! + CLOCK_TOLERANCE_S) * 1000 - now;
      const key = `request-object-jti:${sha256(`${client.clientId}\n${claims.jti}`)}`;
      if (!(await this.store.putIfAbsent(key, '1', Math.max(ttlMs, 1000))))
        throw new InvalidRequestObject('The request object has already been used');
    }
    return claims;
  }
}

/** The claims as the parameters a query would carry: strings, `resource` a list. */
function toParameters(claims: JWTPayload): RawParameters {
  const params: RawParameters = {};
  for (const [name, value] of Object.entries(claims)) {
    if (JWT_CLAIMS.has(name) || value === undefined || value === null) continue;
    if (name === 'resource' && Array.isArray(value) && value.every((v) => typeof v === 'string'))
      params.resource = value;
    else if (typeof value === 'string') params[name] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') params[name] = String(value);
    // Core §5.5: `claims` is an object in a request object, a JSON string in a query.
    else if (name === 'claims' && typeof value === 'object') params.claims = JSON.stringify(value);
    else
      throw new InvalidRequestObject(`The request object's ${name.slice(0, 40)} is not a string`);
  }
  return params;
}

function verificationFailure(e: unknown): string {
  if (e instanceof errors.JWTExpired) return 'The request object has expired';
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.claim === 'iss') return 'The request object iss must be the client_id';
    if (e.claim === 'aud') return 'The request object aud must be the issuer';
    if (e.claim === 'nbf') return 'The request object is not valid yet (nbf)';
    if (e.claim === 'exp') return 'The request object needs an exp';
    return `The request object's ${e.claim} is not valid`;
  }
  if (e instanceof JwksFetchError) return `The client's ${e.message}`;
  if (e instanceof errors.JWKSNoMatchingKey || e instanceof errors.JWSSignatureVerificationFailed)
    return 'The request object signature does not verify with the client’s keys';
  if (e instanceof errors.JOSEError) return 'The request object is not a valid signed JWT';
  throw e;
}
