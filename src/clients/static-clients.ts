import { readFileSync } from 'node:fs';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { parse } from 'yaml';
import { OAuthError } from '../common/errors/oauth-error.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { validateClientMetadata } from './client-metadata.validator.js';
import { digestKind } from './client-secrets.js';
import { ClientsService } from './clients.service.js';

export class StaticClientsError extends Error {}

const PLAINTEXT = '$plaintext$';

/** One entry of the file, read into what the registry stores. */
export interface StaticClient {
  clientId: string;
  input: Record<string, unknown>;
  secret?: string;
  secretDigest?: string;
}

/**
 * Reads a clients file in Authelia's shape: a top-level `clients:` list, or the whole
 * `identity_providers.oidc.clients` section pasted from an Authelia configuration.
 */
export function readStaticClients(text: string, file = 'CLIENTS_FILE'): StaticClient[] {
  let document: unknown;
  try {
    document = parse(text, { maxAliasCount: 100 });
  } catch (e) {
    throw new StaticClientsError(
      `${file} is not valid YAML: ${(e as Error).message.split('\n')[0]}`,
    );
  }
  const root = document as {
    clients?: unknown;
    identity_providers?: { oidc?: { clients?: unknown } };
  } | null;
  const list = root?.clients ?? root?.identity_providers?.oidc?.clients;
  if (!Array.isArray(list)) throw new StaticClientsError(`${file} must have a clients: list`);
  const seen = new Set<string>();
  return list.map((raw: unknown, i) => {
    const where = `${file} clients[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      throw new StaticClientsError(`${where} must be a mapping`);
    const { id, client_id, secret, client_secret, userinfo_signing_algorithm, ...rest } =
      raw as Record<string, unknown>;
    const clientId = client_id ?? id;
    if (typeof clientId !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(clientId)) {
      throw new StaticClientsError(`${where} needs an id of 1 to 200 visible ASCII characters`);
    }
    if (seen.has(clientId))
      throw new StaticClientsError(`${where}: the id ${clientId} appears twice`);
    seen.add(clientId);
    const input: Record<string, unknown> = { ...rest };
    // Authelia's name for userinfo_signed_response_alg; its `none` means unsigned.
    if (userinfo_signing_algorithm !== undefined && userinfo_signing_algorithm !== 'none') {
      input.userinfo_signed_response_alg = userinfo_signing_algorithm;
    }
    const given = client_secret ?? secret;
    if (given === undefined || given === '') return { clientId, input };
    if (typeof given !== 'string')
      throw new StaticClientsError(`${where} (${clientId}): secret must be a string`);
    if (given.startsWith(PLAINTEXT))
      return { clientId, input, secret: given.slice(PLAINTEXT.length) };
    if (digestKind(given)) return { clientId, input, secretDigest: given };
    throw new StaticClientsError(
      `${where} (${clientId}): secret must be a digest (argon2id, bcrypt, $pbkdf2-sha512$…) or $plaintext$ followed by the secret`,
    );
  });
}

/** Upserts the clients of CLIENTS_FILE at boot. Running it again changes nothing. */
@Injectable()
export class StaticClientsLoader implements OnModuleInit {
  private readonly logger = new Logger('Clients');

  constructor(
    @Inject(ClientsService) private readonly clients: ClientsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    const file = this.config.clientsFile;
    if (!file) return;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new StaticClientsError(
        `CLIENTS_FILE ${file} cannot be read: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
      );
    }
    const counts = { created: 0, updated: 0, unchanged: 0 };
    for (const [i, entry] of readStaticClients(text).entries()) {
      try {
        const metadata = validateClientMetadata(entry.input, 'seed');
        counts[await this.clients.upsertStatic({ ...entry, metadata })]++;
      } catch (e) {
        const detail =
          e instanceof OAuthError ? `${e.error}: ${e.description}` : (e as Error).message;
        throw new StaticClientsError(`CLIENTS_FILE clients[${i}] (${entry.clientId}): ${detail}`);
      }
    }
    this.logger.log(
      `CLIENTS_FILE: ${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged`,
    );
  }
}
