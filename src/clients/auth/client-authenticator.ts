import { Inject, Injectable, Optional } from '@nestjs/common';
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { ShortLivedStore } from '../../cache/short-lived-store.js';
import { CLOCK, systemClock, type Clock } from '../../common/clock.js';
import { InvalidClient, TooManyRequests } from '../../common/errors/oauth-error.js';
import { endpointUrl } from '../../common/urls.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AuthMethod } from '../client-metadata.js';
import type { Client } from '../client.entity.js';
import { ClientsService } from '../clients.service.js';
import { ClientAuthRegulation } from './client-auth-regulation.js';
import { JwksFetchError } from './client-jwks.js';
import { ClientKeys } from './client-keys.js';
import { JWT_BEARER_ASSERTION } from './presented-credentials.js';

/** The client a request authenticated as, and how. */
export interface AuthenticatedClient {
  client: Client;
  method: AuthMethod;
}

const CLOCK_TOLERANCE_S = 5;
/** One answer for every failed client authentication: no way to tell which clients exist. */
const FAILED = 'Client authentication failed';

/**
 * A client authentication refused once the request named a client: the answer says only
 * "Client authentication failed"; `reason` is for the log (and for the answer only with
 * ENABLE_CLIENT_DEBUG_MESSAGES). `clientId` is set only for a client that exists.
 */
export class ClientAuthRefused extends InvalidClient {
  constructor(
    readonly reason: string,
    readonly clientId: string | undefined,
  ) {
    super(FAILED);
  }
}

/** Too many failed client authentications for the client or the address: 429 with Retry-After. */
export class ClientAuthLimited extends TooManyRequests {
  constructor(
    retryAfterS: number,
    readonly reason: string,
    readonly clientId: string | undefined,
  ) {
    super('Too many failed client authentications; try again later', retryAfterS, 'invalid_client');
  }
}

/** Why a check failed, and whether it counts as a wrong credential towards a ban. */
class Refusal extends Error {
  constructor(
    readonly reason: string,
    readonly countable = true,
  ) {
    super(reason);
  }
}

/**
 * The checks behind each client authentication strategy. Failures after the client is named
 * are `ClientAuthRefused`, counted by ClientAuthRegulation; while the client or its address
 * is banned, a credential that would cost a slow hash is not checked (429), but one checked at
 * no cost still passes, so failures sent in a client's name cannot lock it out.
 */
@Injectable()
export class ClientAuthenticator {
  constructor(
    @Inject(ClientsService) private readonly clients: ClientsService,
    @Inject(ShortLivedStore) private readonly store: ShortLivedStore,
    @Inject(ClientKeys) private readonly keys: ClientKeys,
    @Inject(ClientAuthRegulation) private readonly regulation: ClientAuthRegulation,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
  ) {}

  async withSecret(
    clientId: unknown,
    secret: unknown,
    method: 'client_secret_basic' | 'client_secret_post',
    address: unknown,
  ): Promise<AuthenticatedClient> {
    const client = await this.registered(clientId, method, address);
    if (typeof secret !== 'string')
      return this.refuse(
        new Refusal('the secret does not match'),
        client,
        address,
        await this.regulation.bannedFor(client.clientId, address),
      );
    // The checks that cost no slow hash (a fast digest, a remembered outcome) pass whatever a
    // ban says, so the usual request reads no ban from the shared store.
    if (await this.clients.verifySecret(client, secret, { slowHash: false }))
      return { client, method };
    const bannedFor = await this.regulation.bannedFor(client.clientId, address);
    if (bannedFor === undefined && (await this.clients.verifySecret(client, secret)))
      return { client, method };
    return this.refuse(new Refusal('the secret does not match'), client, address, bannedFor);
  }

  async withoutSecret(clientId: unknown, address: unknown): Promise<AuthenticatedClient> {
    return { client: await this.registered(clientId, 'none', address), method: 'none' };
  }

  /** RFC 7523 §3 and OpenID Connect Core §9: client_secret_jwt and private_key_jwt. */
  async withAssertion(
    body: Record<string, unknown>,
    calledEndpoint: string,
    address: unknown,
  ): Promise<AuthenticatedClient> {
    if (body.client_assertion_type !== JWT_BEARER_ASSERTION) {
      throw new InvalidClient(`client_assertion_type must be ${JWT_BEARER_ASSERTION}`);
    }
    const assertion = body.client_assertion;
    if (typeof assertion !== 'string' || assertion.length > 8192)
      throw new InvalidClient('client_assertion is missing or too long');
    let header: { alg?: string };
    let unverified: JWTPayload;
    try {
      header = decodeProtectedHeader(assertion);
      unverified = decodeJwt(assertion);
    } catch {
      throw new InvalidClient('client_assertion is not a JWT');
    }
    const clientId = unverified.sub;
    if (body.client_id !== undefined && body.client_id !== clientId) {
      throw new InvalidClient('client_id does not match the sub of client_assertion');
    }
    const method = header.alg?.startsWith('HS') ? 'client_secret_jwt' : 'private_key_jwt';
    const client = await this.registered(clientId, method, address);
    // Signatures cost no slow hash: a ban answers 429 to failures only.
    const bannedFor = await this.regulation.bannedFor(client.clientId, address);
    try {
      const alg = client.metadata.token_endpoint_auth_signing_alg;
      if (header.alg !== alg) throw new Refusal(`client_assertion must be signed with ${alg}`);
      const payload = await this.verifyAssertion(assertion, client, method);
      await this.checkAssertionClaims(payload, client, calledEndpoint);
    } catch (e) {
      return this.refuse(toRefusal(e), client, address, bannedFor);
    }
    return { client, method };
  }

  /** A registered client using the method it registered. */
  private async registered(
    clientId: unknown,
    method: AuthMethod,
    address: unknown,
  ): Promise<Client> {
    const client =
      typeof clientId === 'string' && clientId.length > 0 && clientId.length <= 200
        ? await this.clients.find(clientId)
        : undefined;
    if (!client) {
      const bannedFor = await this.regulation.bannedFor(undefined, address);
      return this.refuse(
        new Refusal('no client has this client_id'),
        undefined,
        address,
        bannedFor,
      );
    }
    if (client.metadata.token_endpoint_auth_method !== method) {
      const bannedFor = await this.regulation.bannedFor(client.clientId, address);
      const registeredFor = client.metadata.token_endpoint_auth_method;
      return this.refuse(
        new Refusal(`the client is registered for ${registeredFor}, not ${method}`),
        client,
        address,
        bannedFor,
      );
    }
    return client;
  }

  /** Throws: 429 while banned, otherwise `invalid_client` after counting the failure. */
  private async refuse(
    refusal: Refusal,
    client: Client | undefined,
    address: unknown,
    bannedFor: number | undefined,
  ): Promise<never> {
    if (bannedFor !== undefined)
      throw new ClientAuthLimited(bannedFor, refusal.reason, client?.clientId);
    if (refusal.countable) await this.regulation.recordFailure(client?.clientId, address);
    throw new ClientAuthRefused(refusal.reason, client?.clientId);
  }

  /** The claims jose does not check: audience, lifetime, issue time and single use. */
  private async checkAssertionClaims(
    payload: JWTPayload,
    client: Client,
    calledEndpoint: string,
  ): Promise<void> {
    if (!this.audienceAccepted(payload.aud, calledEndpoint)) {
      throw new Refusal(
        this.config.clientAuth.assertionAudience === 'strict'
          ? 'client_assertion aud must be the issuer identifier, as a single string'
          : 'client_assertion aud must name only the issuer, the token endpoint or the endpoint called',
      );
    }
    const now = Math.floor(this.clock.now() / 1000);
    const maxLifespanS = this.config.clientAuth.assertionMaxLifespan / 1000;
    if (payload.exp! - now > maxLifespanS + CLOCK_TOLERANCE_S) {
      throw new Refusal(`client_assertion exp must be at most ${maxLifespanS} s ahead`);
    }
    if (typeof payload.iat === 'number' && payload.iat > now + CLOCK_TOLERANCE_S) {
      throw new Refusal('client_assertion iat is in the future');
    }
    if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 256) {
      throw new Refusal('client_assertion needs a jti');
    }
    // Single use: remembered until the assertion would have expired anyway.
    const ttlMs = (payload.exp! - now + CLOCK_TOLERANCE_S) * 1000;
    if (
      !(await this.store.putIfAbsent(`assertion-jti:${client.clientId}:${payload.jti}`, '1', ttlMs))
    ) {
      throw new Refusal('client_assertion has already been used');
    }
  }

  /**
   * Strict: the issuer identifier as a single string (FAPI 2.0; the audience-injection attacks
   * of 2025). Compatible: the issuer, the token endpoint (RFC 7523 §3, Core §9) or the endpoint
   * called; an array only when every member is one of those, never a foreign value beside them.
   */
  private audienceAccepted(aud: JWTPayload['aud'], calledEndpoint: string): boolean {
    const issuer = this.config.issuer;
    if (this.config.clientAuth.assertionAudience === 'strict') return aud === issuer;
    const ours = new Set([issuer, endpointUrl(this.config, '/token'), calledEndpoint]);
    const members = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
    return members.length > 0 && members.every((member) => ours.has(member));
  }

  private async verifyAssertion(
    assertion: string,
    client: Client,
    method: AuthMethod,
  ): Promise<JWTPayload> {
    const options = {
      algorithms: [client.metadata.token_endpoint_auth_signing_alg!],
      issuer: client.clientId,
      subject: client.clientId,
      requiredClaims: ['exp', 'jti', 'aud'],
      clockTolerance: CLOCK_TOLERANCE_S,
      currentDate: new Date(this.clock.now()),
    };
    if (method === 'client_secret_jwt') {
      // The current secret, then the previous one during a rotation's overlap.
      let last: Error = new errors.JWSSignatureVerificationFailed();
      for (const key of this.clients.hmacSecrets(client)) {
        try {
          return (await jwtVerify(assertion, key, options)).payload;
        } catch (e) {
          last = e as Error;
        }
      }
      throw last;
    }
    if (!this.keys.has(client)) throw new Refusal('the client has no registered keys', false);
    return this.keys.verify(assertion, client, options);
  }
}

/** The reason an assertion failed; a client's unreachable jwks_uri is no wrong credential. */
function toRefusal(e: unknown): Refusal {
  if (e instanceof Refusal) return e;
  if (e instanceof JwksFetchError) return new Refusal(`the client's ${e.message}`, false);
  if (e instanceof errors.JWTExpired) return new Refusal('client_assertion has expired');
  if (e instanceof errors.JWTClaimValidationFailed) {
    return new Refusal(
      `client_assertion ${e.claim} is not valid (${e.reason === 'missing' ? 'missing' : 'unexpected value'})`,
    );
  }
  if (e instanceof errors.JWKSNoMatchingKey || e instanceof errors.JWSSignatureVerificationFailed) {
    return new Refusal("client_assertion is not signed by one of the client's registered keys");
  }
  return new Refusal('client_assertion could not be verified');
}
