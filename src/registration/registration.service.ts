import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ClientMetadata } from '../clients/client-metadata.js';
import { validateClientMetadata } from '../clients/client-metadata.validator.js';
import type { Client } from '../clients/client.entity.js';
import { ShortLivedStore } from '../cache/short-lived-store.js';
import { ClientsService } from '../clients/clients.service.js';
import { addressKey } from '../common/client-address.js';
import { InvalidClientMetadata, TooManyRequests } from '../common/errors/oauth-error.js';
import { fetchJson, FetchJsonError } from '../common/fetch-json.js';
import { endpointUrl } from '../common/urls.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { accessTokenInvalid, accessTokenRequired } from '../token/presented-access-token.js';
import { newHandle } from '../common/opaque-handle.js';

export const REGISTRATION_PATH = '/register';

/** Operator settings: never shown to, nor taken from, a registrant. */
const OPERATOR_KEYS = new Set<string>([
  'description',
  'public',
  'audience',
  'consent_mode',
  'pre_configured_consent_duration',
  'authorization_policy',
  'enforce_pkce',
  'pkce_challenge_method',
  'cors_allowed_origins',
  'introspection_audiences',
  'introspect_any_token',
  'token_exchange_subject_token_types',
  'token_exchange_impersonation',
  'lifespans',
]);

/** RFC 7591 §3.2.1 client information response, with RFC 7592 §3's management members. */
export type ClientInformation = Record<string, unknown> & {
  client_id: string;
  registration_access_token: string;
  registration_client_uri: string;
};

const digest = (token: string) => createHash('sha256').update(token).digest();

/**
 * Dynamic client registration (OpenID Connect DCR 1.0, RFC 7591) and management of a
 * registered client by its registration access token (RFC 7592).
 */
@Injectable()
export class RegistrationService {
  private readonly logger = new Logger('Registration');
  private readonly initialTokens: Buffer[];

  constructor(
    @Inject(ClientsService) private readonly clients: ClientsService,
    @Inject(ShortLivedStore) private readonly store: ShortLivedStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.initialTokens = config.registration.initialAccessTokens.map(digest);
  }

  /**
   * RFC 7591 §3.1: open, or with an initial access token as a bearer token (§1.2). Open
   * registrations are limited per client address (RFC 7591 §5: registration may be abused).
   */
  async register(
    body: unknown,
    bearer: string | undefined,
    address: string | undefined,
  ): Promise<ClientInformation> {
    if (this.config.registration.mode === 'initial_access_token') {
      if (bearer === undefined) throw accessTokenRequired('A bearer token is required');
      const presented = digest(bearer);
      if (!this.initialTokens.some((t) => timingSafeEqual(t, presented))) {
        throw accessTokenInvalid('The initial access token is not valid');
      }
    }
    // Counted once the metadata is well formed (a developer fixing a request is not locked
    // out), and before the sector document is fetched, so that fetch is limited too.
    const metadata = await this.validate(body, undefined, () =>
      this.config.registration.mode === 'open' ? this.countAddress(address) : Promise.resolve(),
    );
    const registrationAccessToken = newHandle();
    const { client, secret } = await this.clients.create({
      metadata,
      origin: 'registration',
      registrationTokenDigest: digest(registrationAccessToken).toString('hex'),
    });
    this.logger.log(
      `Registered client ${client.clientId} (${metadata.token_endpoint_auth_method})`,
    );
    return this.information(client, registrationAccessToken, secret);
  }

  private async countAddress(address: string | undefined): Promise<void> {
    const { addressMax, addressWindow } = this.config.registration;
    if (addressMax === 0) return;
    const key = `registration:address:${addressKey(address)}`;
    if ((await this.store.increment(key, addressWindow)) <= addressMax) return;
    this.logger.warn(`Open registration refused: more than ${addressMax} from one address`);
    throw new TooManyRequests(
      'Too many registrations from this address; try again later',
      Math.ceil(addressWindow / 1000),
    );
  }

  /** RFC 7592 §2.1. */
  async read(clientId: string, bearer: string | undefined): Promise<ClientInformation> {
    const client = await this.authorise(clientId, bearer);
    return this.information(client, bearer!);
  }

  /** RFC 7592 §2.2: the request replaces the metadata; operator settings are kept. */
  async update(
    clientId: string,
    body: unknown,
    bearer: string | undefined,
  ): Promise<ClientInformation> {
    const client = await this.authorise(clientId, bearer);
    const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<
      string,
      unknown
    >;
    if (fields.client_id !== clientId) {
      throw new InvalidClientMetadata('client_id must be given and match the client being updated');
    }
    // §2.2: a client may echo its secret, but never choose one.
    if (fields.client_secret !== undefined) {
      if (
        typeof fields.client_secret !== 'string' ||
        !(await this.clients.verifySecret(client, fields.client_secret))
      ) {
        throw new InvalidClientMetadata('client_secret does not match the issued secret');
      }
    }
    const metadata = await this.validate(body, client.metadata);
    const updated = await this.clients.update(clientId, metadata);
    if (!updated) throw accessTokenInvalid('The registration access token is not valid');
    this.logger.log(`Updated registered client ${clientId}`);
    return this.information(updated.client, bearer!, updated.secret);
  }

  /** RFC 7592 §2.3. */
  async delete(clientId: string, bearer: string | undefined): Promise<void> {
    await this.authorise(clientId, bearer);
    await this.clients.delete(clientId);
    this.logger.log(`Deleted registered client ${clientId}`);
  }

  /**
   * The client, when the bearer is its registration access token. Everything else, an
   * unknown client included, is the same 401 (RFC 7592 §2.1), so ids cannot be probed.
   */
  private async authorise(clientId: string, bearer: string | undefined): Promise<Client> {
    if (bearer === undefined) throw accessTokenRequired('A bearer token is required');
    const client = await this.clients.find(clientId);
    const expected = client?.registrationTokenDigest
      ? Buffer.from(client.registrationTokenDigest, 'hex')
      : undefined;
    const presented = digest(bearer);
    if (!client || !expected || !timingSafeEqual(expected, presented)) {
      throw accessTokenInvalid('The registration access token is not valid for this client');
    }
    return client;
  }

  /** The metadata checked; `beforeFetching` runs between the checks and any outbound fetch. */
  private async validate(
    body: unknown,
    previous?: ClientMetadata,
    beforeFetching?: () => Promise<void>,
  ): Promise<ClientMetadata> {
    const metadata = validateClientMetadata(body, 'registration', {
      previous,
      signingAlgs: this.config.keys.algorithms,
    });
    await beforeFetching?.();
    if (metadata.sector_identifier_uri) await this.checkSectorIdentifier(metadata);
    return metadata;
  }

  /** OpenID Connect Core §8.1: the sector document must list every redirect URI. */
  private async checkSectorIdentifier(metadata: ClientMetadata): Promise<void> {
    let listed: unknown;
    try {
      listed = await fetchJson(metadata.sector_identifier_uri!, {
        what: 'sector_identifier_uri',
        allowPrivateNetwork: !this.config.production,
      });
    } catch (e) {
      if (e instanceof FetchJsonError) throw new InvalidClientMetadata(e.message);
      throw e;
    }
    if (!Array.isArray(listed) || !listed.every((u) => typeof u === 'string')) {
      throw new InvalidClientMetadata('sector_identifier_uri must hold a JSON array of URIs');
    }
    const missing = metadata.redirect_uris.findIndex((uri) => !listed.includes(uri));
    if (missing >= 0) {
      throw new InvalidClientMetadata(
        `sector_identifier_uri does not list redirect_uris[${missing}]`,
      );
    }
  }

  private information(
    client: Client,
    registrationAccessToken: string,
    secret?: string,
  ): ClientInformation {
    const shown = Object.fromEntries(
      Object.entries(client.metadata).filter(([key]) => !OPERATOR_KEYS.has(key)),
    );
    return {
      client_id: client.clientId,
      ...(secret !== undefined && { client_secret: secret, client_secret_expires_at: 0 }),
      client_id_issued_at: Math.floor(client.createdAt.getTime() / 1000),
      ...shown,
      registration_access_token: registrationAccessToken,
      registration_client_uri: endpointUrl(
        this.config,
        `${REGISTRATION_PATH}/${encodeURIComponent(client.clientId)}`,
      ),
    };
  }
}
