import { LRUCache } from 'lru-cache';
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
  Optional,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ShortLivedStore } from '../cache/short-lived-store.js';
import { CLOCK, systemClock, type Clock } from '../common/clock.js';
import { InvalidClientMetadata } from '../common/errors/oauth-error.js';
import { SecretBox } from '../common/secret-box.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { ClientMetadata } from './client-metadata.js';
import {
  ClientSecretVerifier,
  digestClientSecret,
  digestKind,
  generateClientSecret,
} from './client-secrets.js';
import { Client, type ClientOrigin } from './client.entity.js';

const CHANGED_CHANNEL = 'clients:changed';
/** A fallback for a missed change notice; notices normally make changes visible at once. */
const CACHE_TTL_MS = 60_000;

export interface NewClient {
  metadata: ClientMetadata;
  origin: ClientOrigin;
  clientId?: string;
  /** A secret chosen by the operator (seed file); generated when absent. */
  secret?: string;
  /** An imported digest instead of a secret (argon2id, bcrypt, pbkdf2 as Authelia writes). */
  secretDigest?: string;
  /** RFC 7592: digest of the registration access token handed to a registrant. */
  registrationTokenDigest?: string;
}

export interface ClientPage {
  clients: Client[];
  /** Pass back as `after` for the next page; absent on the last page. */
  next?: string;
}

/**
 * Owns the `clients` table and serves clients from memory: a token request for a known client
 * makes no database round trip. Every change is announced, and every instance drops its copy.
 */
@Injectable()
export class ClientsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Clients');
  /** Known clients by id, bounded in count and age (other instances' changes arrive by pub/sub). */
  private readonly cache = new LRUCache<string, Client>({ max: 50_000, ttl: CACHE_TTL_MS });
  private readonly secrets: SecretBox;
  private readonly verifier = new ClientSecretVerifier();
  private unsubscribe?: () => Promise<void>;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ShortLivedStore) private readonly store: ShortLivedStore,
    @Inject(APP_CONFIG) config: AppConfig,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
  ) {
    this.secrets = new SecretBox(
      config.keys.encryptionSecret,
      'client-secrets',
      (id) => `The secret of client ${id}`,
    );
  }

  async onModuleInit(): Promise<void> {
    this.unsubscribe = await this.store.subscribe(CHANGED_CHANNEL, (clientId) =>
      this.cache.delete(clientId),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.unsubscribe?.();
  }

  /**
   * The client, or undefined; answered from memory when known. Unknown ids are not cached, so
   * a client registered on another instance works here at once (floods of unknown ids are
   * for rate limiting, not for this cache).
   */
  async find(clientId: string): Promise<Client | undefined> {
    const cached = this.cache.get(clientId);
    if (cached) return cached;
    const client = await this.dataSource.getRepository(Client).findOne({ where: { clientId } });
    if (!client) return undefined;
    this.cache.set(clientId, client);
    return client;
  }

  async create(input: NewClient): Promise<{ client: Client; secret?: string }> {
    const clientId = input.clientId ?? randomBytes(16).toString('base64url');
    const { fields, secret } = this.secretFields(
      clientId,
      input.metadata,
      input.secret,
      input.secretDigest,
    );
    const repository = this.dataSource.getRepository(Client);
    let client: Client;
    try {
      client = await repository.save(
        repository.create({
          clientId,
          metadata: input.metadata,
          origin: input.origin,
          registrationTokenDigest: input.registrationTokenDigest ?? null,
          ...fields,
        }),
      );
    } catch (e) {
      // The unique index decides, even between instances registering the same id at once.
      if ((e as { code?: string }).code === '23505') {
        throw new InvalidClientMetadata(`client_id ${clientId} is already registered`);
      }
      throw e;
    }
    await this.changed(clientId);
    return { client, secret };
  }

  /** A page of clients in client_id order, for the admin API. */
  async list(options: { limit: number; after?: string }): Promise<ClientPage> {
    const query = this.dataSource
      .getRepository(Client)
      .createQueryBuilder('c')
      .orderBy('c.client_id', 'ASC')
      .limit(options.limit + 1);
    if (options.after !== undefined) query.where('c.client_id > :after', { after: options.after });
    const rows = await query.getMany();
    const clients = rows.slice(0, options.limit);
    return {
      clients,
      next: rows.length > options.limit ? clients[clients.length - 1].clientId : undefined,
    };
  }

  /**
   * Replaces a client's metadata. A secret is issued when the client needs one it does not
   * have: it turned confidential, or turned to client_secret_jwt (whose HMAC key cannot be
   * recovered from a digest). Turning public drops the secrets.
   */
  async update(
    clientId: string,
    metadata: ClientMetadata,
  ): Promise<{ client: Client; secret?: string } | undefined> {
    const repository = this.dataSource.getRepository(Client);
    const client = await repository.findOne({ where: { clientId } });
    if (!client) return undefined;
    const needsNewSecret = metadata.public
      ? client.secretDigest !== null
      : client.secretDigest === null ||
        (metadata.token_endpoint_auth_method === 'client_secret_jwt' &&
          client.secretEncrypted === null);
    let secret: string | undefined;
    if (needsNewSecret) {
      const issued = this.secretFields(clientId, metadata);
      Object.assign(client, issued.fields, {
        previousSecretDigest: null,
        previousSecretEncrypted: null,
        previousSecretExpiresAt: null,
      });
      secret = issued.secret;
    }
    client.metadata = JSON.parse(JSON.stringify(metadata)) as ClientMetadata;
    await repository.save(client);
    await this.changed(clientId);
    return { client, secret };
  }

  /**
   * Deletes a client; true when it existed. Its JWT access tokens stay verifiable offline until
   * they expire; /introspect stops answering for them (the client is unknown).
   */
  async delete(clientId: string): Promise<boolean> {
    const result = await this.dataSource.getRepository(Client).delete({ clientId });
    await this.changed(clientId);
    return (result.affected ?? 0) > 0;
  }

  /**
   * Creates or updates a client of the static file (or, with origin `demo`, the demo client).
   * Idempotent: an unchanged entry writes nothing. A client created another way is never
   * taken over.
   */
  async upsertStatic(entry: {
    clientId: string;
    metadata: ClientMetadata;
    secret?: string;
    secretDigest?: string;
    origin?: 'seed' | 'demo';
  }): Promise<'created' | 'updated' | 'unchanged'> {
    const origin = entry.origin ?? 'seed';
    const repository = this.dataSource.getRepository(Client);
    const metadata = JSON.parse(JSON.stringify(entry.metadata)) as ClientMetadata;
    const existing = await repository.findOne({ where: { clientId: entry.clientId } });
    if (!existing) {
      try {
        await this.create({ ...entry, metadata, origin });
        return 'created';
      } catch (e) {
        if (!(e instanceof InvalidClientMetadata)) throw e;
        // Another instance booting at the same moment created it: compare with that one.
        // Anything else (a secret too short, say) is the entry's own fault and stops here.
        if (!(await repository.findOne({ where: { clientId: entry.clientId } }))) throw e;
        return this.upsertStatic(entry);
      }
    }
    if (existing.origin !== origin) {
      throw new InvalidClientMetadata(
        `client_id ${entry.clientId} exists and was not created ${origin === 'seed' ? 'from CLIENTS_FILE' : 'by the demo seed'}`,
      );
    }
    const digest =
      entry.secretDigest ?? (entry.secret === undefined ? null : digestClientSecret(entry.secret));
    const sameSecret = digest === existing.secretDigest;
    if (sameSecret && isDeepStrictEqual(existing.metadata, metadata)) return 'unchanged';
    existing.metadata = metadata;
    if (!sameSecret) {
      Object.assign(
        existing,
        this.secretFields(entry.clientId, metadata, entry.secret, entry.secretDigest).fields,
      );
    }
    await repository.save(existing);
    await this.changed(entry.clientId);
    return 'updated';
  }

  /**
   * Replaces a client's secret. With an overlap, the old one keeps working until then, so the
   * client can be redeployed without a failed request.
   */
  async rotateSecret(
    clientId: string,
    overlapMs: number,
  ): Promise<{ client: Client; secret: string } | undefined> {
    const repository = this.dataSource.getRepository(Client);
    const client = await repository.findOne({ where: { clientId } });
    if (!client) return undefined;
    if (client.metadata.public)
      throw new InvalidClientMetadata('A public client has no secret to rotate');
    const { fields, secret } = this.secretFields(clientId, client.metadata);
    Object.assign(client, {
      ...fields,
      previousSecretDigest: overlapMs > 0 ? client.secretDigest : null,
      previousSecretEncrypted: overlapMs > 0 ? client.secretEncrypted : null,
      previousSecretExpiresAt: overlapMs > 0 ? new Date(this.clock.now() + overlapMs) : null,
    });
    await repository.save(client);
    await this.changed(clientId);
    return { client, secret: secret! };
  }

  /**
   * True when the presented secret is the client's current one, or its previous one within the
   * overlap. `slowHash: false` checks slow digests only against remembered outcomes.
   */
  async verifySecret(
    client: Client,
    presented: string,
    options: { slowHash?: boolean } = {},
  ): Promise<boolean> {
    if (
      client.secretDigest &&
      (await this.verifier.verify(presented, client.secretDigest, options))
    )
      return true;
    return Boolean(
      client.previousSecretDigest &&
      this.inOverlap(client) &&
      (await this.verifier.verify(presented, client.previousSecretDigest, options)),
    );
  }

  /** The HMAC keys of a client_secret_jwt client: its secret, and the previous one within the overlap. */
  hmacSecrets(client: Client): Buffer[] {
    const keys: Buffer[] = [];
    if (client.secretEncrypted)
      keys.push(this.secrets.decrypt(client.secretEncrypted, client.clientId));
    if (client.previousSecretEncrypted && this.inOverlap(client)) {
      keys.push(this.secrets.decrypt(client.previousSecretEncrypted, client.clientId));
    }
    return keys;
  }

  /** Whether a rotation's overlap runs now: the previous secret still works until it ends. */
  inOverlap(client: Client): boolean {
    return (
      client.previousSecretExpiresAt !== null &&
      client.previousSecretExpiresAt.getTime() > this.clock.now()
    );
  }

  private secretFields(
    clientId: string,
    metadata: ClientMetadata,
    chosen?: string,
    importedDigest?: string,
  ): { fields: Pick<Client, 'secretDigest' | 'secretEncrypted'>; secret?: string } {
    if (metadata.public) {
      if (chosen || importedDigest)
        throw new InvalidClientMetadata('A public client has no secret');
      return { fields: { secretDigest: null, secretEncrypted: null } };
    }
    if (importedDigest) {
      if (!digestKind(importedDigest)) {
        throw new InvalidClientMetadata(
          'client_secret digest must be argon2id, bcrypt, pbkdf2 ($pbkdf2-sha512$…) or $sha256$',
        );
      }
      if (metadata.token_endpoint_auth_method === 'client_secret_jwt') {
        throw new InvalidClientMetadata(
          'client_secret_jwt needs the secret itself (it is an HMAC key), not a digest',
        );
      }
      return { fields: { secretDigest: importedDigest, secretEncrypted: null } };
    }
    if (chosen !== undefined && chosen.length < 32) {
      throw new InvalidClientMetadata('client_secret must be at least 32 characters');
    }
    const secret = chosen ?? generateClientSecret();
    const encrypted =
      metadata.token_endpoint_auth_method === 'client_secret_jwt'
        ? this.secrets.encrypt(Buffer.from(secret), clientId)
        : null;
    return {
      fields: { secretDigest: digestClientSecret(secret), secretEncrypted: encrypted },
      secret,
    };
  }

  private async changed(clientId: string): Promise<void> {
    this.cache.delete(clientId);
    await this.store
      .publish(CHANGED_CHANNEL, clientId)
      .catch((e: unknown) => this.logger.warn(`Could not announce a client change: ${String(e)}`));
  }
}
