import { readFileSync } from 'node:fs';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { parse } from 'yaml';
import { OAuthError } from '../common/errors/oauth-error.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { ResourceDefinition } from './resource-catalog.js';
import { ResourceServers } from './resource-servers.service.js';

export class ResourcesFileError extends Error {}

/**
 * The `resources:` list of a RESOURCES_FILE, each entry checked by `read`; throws a
 * `ResourcesFileError` naming the entry.
 */
export function readResourcesFile(
  text: string,
  read: (input: unknown) => ResourceDefinition,
): ResourceDefinition[] {
  let document: unknown;
  try {
    document = parse(text, { maxAliasCount: 100 });
  } catch (e) {
    throw new ResourcesFileError(
      `RESOURCES_FILE is not valid YAML: ${(e as Error).message.split('\n')[0]}`,
    );
  }
  const list = (document as { resources?: unknown } | null)?.resources;
  if (!Array.isArray(list))
    throw new ResourcesFileError('RESOURCES_FILE must have a resources: list');
  const seen = new Set<string>();
  return list.map((entry: unknown, i) => {
    let definition: ResourceDefinition;
    try {
      definition = read(entry);
    } catch (e) {
      const named = (entry as { identifier?: unknown } | null)?.identifier;
      throw new ResourcesFileError(
        `RESOURCES_FILE resources[${i}]${typeof named === 'string' ? ` (${named.slice(0, 200)})` : ''}: ${(e as Error).message}`,
      );
    }
    if (seen.has(definition.identifier))
      throw new ResourcesFileError(
        `RESOURCES_FILE resources[${i}]: ${definition.identifier} appears twice`,
      );
    seen.add(definition.identifier);
    return definition;
  });
}

/** Applies RESOURCES_FILE at boot. Running it again changes nothing. */
@Injectable()
export class ResourcesFileLoader implements OnModuleInit {
  private readonly logger = new Logger('Resources');

  constructor(
    @Inject(ResourceServers) private readonly resources: ResourceServers,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    const file = this.config.resourcesFile;
    if (!file) return;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ResourcesFileError(
        `RESOURCES_FILE ${file} cannot be read: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
      );
    }
    const definitions = readResourcesFile(text, (input) => this.resources.read(input));
    try {
      const counts = await this.resources.syncFile(definitions);
      this.logger.log(
        `RESOURCES_FILE: ${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged, ${counts.deleted} deleted`,
      );
    } catch (e) {
      if (e instanceof OAuthError) throw new ResourcesFileError(`RESOURCES_FILE: ${e.description}`);
      throw e;
    }
  }
}
