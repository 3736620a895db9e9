import { Inject, Injectable } from '@nestjs/common';
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { ShortLivedStore } from '../../cache/short-lived-store.js';
import { InvalidClient } from '../../common/errors/oauth-error.js';
import { endpointUrl } from '../../common/urls.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AuthMethod, ClientMetadata } from '../client-metadata.js';
import type { Client } from '../client.entity.js';
import { ClientsService } from '../clients.service.js';
import { ClientJwksCache, JwksFetchError } from './client-jwks.js';
import { JWT_BEARER_ASSERTION } from './presented-credentials.js';

/** The client a request authenticated as, and how. */
export interface AuthenticatedClient {
  client: Client;
  method: AuthMethod;
}

/** An assertion may live this long at most: short-lived by RFC 7523 §3's intent. */
const MAX_ASSERTION_LIFETIME_S = 600;
const CLOCK_TOLERANCE_S = 5;
/** One answer for an unknown client and a wrong secret: no way to tell which it was. */
const FAILED = 'Client authentication failed';

/** The checks behind each client authentication strategy. */
@Injectable()
export class ClientAuthenticator {
  private readonly inlineKeys = new WeakMap<ClientMetadata, JWTVerifyGetKey>();

  constructor(
    @Inject(ClientsService) private readonly clients: ClientsService,
    @Inject(ShortLivedStore) private readonly store: ShortLivedStore,
    @Inject(ClientJwksCache) private readonly jwks: ClientJwksCache,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** A registered client using the method it registered; otherwise `invalid_client`. */
  async registered(clientId: unknown, method: AuthMethod): Promise<Client> {
    if (typeof clientId !== 'string' || clientId.length === 0 || clientId.length > 200)
      throw new InvalidClient(FAILED);
    const client = await this.clients.find(clientId);
    if (!client) throw new InvalidClient(FAILED);
    if (client.metadata.token_endpoint_auth_method !== method) {
      throw new InvalidClient(
        `This client is registered for ${client.metadata.token_endpoint_auth_method}, not ${method}`,
      );
    }
    return client;
  }

  async withSecret(
    clientId: unknown,
    secret: unknown,
    method: 'client_secret_basic' | 'client_secret_post',
  ): Promise<AuthenticatedClient> {
    const client = await this.registered(clientId, method);
    if (typeof secret !== 'string' || !(await this.clients.verifySecret(client, secret)))
      throw new InvalidClient(FAILED);
    return { client, method };
  }

  async withoutSecret(clientId: unknown): Promise<AuthenticatedClient> {
    return { client: await this.registered(clientId, 'none'), method: 'none' };
  }

  /** RFC 7523 §3 and OpenID Connect Core §9: client_secret_jwt and private_key_jwt. */
  async withAssertion(
    body: Record<string, unknown>,
    calledEndpoint: string,
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
    const client = await this.registered(clientId, method);
    const alg = client.metadata.token_endpoint_auth_signing_alg;
    if (header.alg !== alg) throw new InvalidClient(`client_assertion must be signed with ${alg}`);

    const payload = await this.verifyAssertion(assertion, client, method, calledEndpoint);
    const now = Math.floor(Date.now() / 1000);
    if (payload.exp! - now > MAX_ASSERTION_LIFETIME_S) {
      throw new InvalidClient(
        `client_assertion exp must be at most ${MAX_ASSERTION_LIFETIME_S} s ahead`,
      );
    }
    if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 256) {
      throw new InvalidClient('client_assertion needs a jti');
    }
    // Single use: remembered until the assertion would have expired anyway.
    const ttlMs = (payload.exp! - now + CLOCK_TOLERANCE_S) * 1000;
    if (
      !(await this.store.putIfAbsent(`assertion-jti:${client.clientId}:${payload.jti}`, '1', ttlMs))
    ) {
      throw new InvalidClient('client_assertion has already been used');
    }
    return { client, method };
  }

  private async verifyAssertion(
    assertion: string,
    client: Client,
    method: AuthMethod,
    calledEndpoint: string,
  ): Promise<JWTPayload> {
    const options = {
      algorithms: [client.metadata.token_endpoint_auth_signing_alg!],
      issuer: client.clientId,
      subject: client.clientId,
      // The token endpoint (RFC 7523), the issuer (as newer guidance prefers), or the endpoint called.
      audience: [
        ...new Set([endpointUrl(this.config, '/token'), this.config.issuer, calledEndpoint]),
      ],
      requiredClaims: ['exp', 'jti'],
      clockTolerance: CLOCK_TOLERANCE_S,
    };
    try {
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
      const { jwks, jwks_uri } = client.metadata;
      if (jwks) {
        let keys = this.inlineKeys.get(client.metadata);
        if (!keys) this.inlineKeys.set(client.metadata, (keys = createLocalJWKSet(jwks)));
        return (await jwtVerify(assertion, keys, options)).payload;
      }
      if (!jwks_uri) throw new InvalidClient('The client has no registered keys');
      const allowPrivateNetwork = client.origin !== 'registration' || !this.config.production;
      try {
        return (
          await jwtVerify(
            assertion,
            await this.jwks.keys(jwks_uri, { allowPrivateNetwork }),
            options,
          )
        ).payload;
      } catch (e) {
        if (!(e instanceof errors.JWKSNoMatchingKey)) throw e;
        // An unknown kid: the client may have rotated its keys. Fetch once more.
        return (
          await jwtVerify(
            assertion,
            await this.jwks.keys(jwks_uri, { refresh: true, allowPrivateNetwork }),
            options,
          )
        ).payload;
      }
    } catch (e) {
      throw assertionError(e);
    }
  }
}

function assertionError(e: unknown): InvalidClient {
  if (e instanceof InvalidClient) return e;
  if (e instanceof JwksFetchError) return new InvalidClient(`The client's ${e.message}`);
  if (e instanceof errors.JWTExpired) return new InvalidClient('client_assertion has expired');
  if (e instanceof errors.JWTClaimValidationFailed) {
    return new InvalidClient(
      `client_assertion ${e.claim} is not valid (${e.reason === 'missing' ? 'missing' : 'unexpected value'})`,
    );
  }
  if (e instanceof errors.JWKSNoMatchingKey || e instanceof errors.JWSSignatureVerificationFailed) {
    return new InvalidClient(
      "client_assertion is not signed by one of the client's registered keys",
    );
  }
  return new InvalidClient('client_assertion could not be verified');
}
