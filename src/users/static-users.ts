import { readFileSync } from 'node:fs';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { parse } from 'yaml';
import { OAuthError } from '../common/errors/oauth-error.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { isPasswordDigest } from './passwords.js';
import { toRecord, USERNAME, UserAttributes, validateUserInput } from './user-input.js';
import { UsersService, type NewUser } from './users.service.js';

export class StaticUsersError extends Error {}

/**
 * Reads a users file in the shape of Authelia's file user database: `users:` mapping each
 * user name to `displayname`, `password` (a digest), `email`, `groups`, `disabled` and the
 * other standard claims.
 */
export function readStaticUsers(text: string, file = 'USERS_FILE'): NewUser[] {
  let document: unknown;
  try {
    document = parse(text, { maxAliasCount: 100 });
  } catch (e) {
    throw new StaticUsersError(`${file} is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const users = (document as { users?: unknown } | null)?.users;
  if (typeof users !== 'object' || users === null || Array.isArray(users)) {
    throw new StaticUsersError(`${file} must have a users: mapping of user names`);
  }
  return Object.entries(users as Record<string, unknown>).map(([username, raw]) => {
    const where = `${file} users.${username}`;
    if (!USERNAME.test(username)) {
      throw new StaticUsersError(
        `${where}: the user name must be 1 to 100 letters, digits or . _ @ + -`,
      );
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new StaticUsersError(`${where} must be a mapping`);
    }
    const { displayname, password, phone_extension, ...rest } = raw as Record<string, unknown>;
    let attributes: UserAttributes;
    try {
      attributes = validateUserInput(
        UserAttributes,
        {
          ...rest,
          ...(displayname !== undefined && { name: displayname }),
          // Authelia keeps the extension apart; Core §5.1 writes it as RFC 3966 ;ext=.
          ...(typeof rest.phone_number === 'string' &&
            (typeof phone_extension === 'string' || typeof phone_extension === 'number') && {
              phone_number: `${rest.phone_number};ext=${phone_extension}`,
            }),
          // Authelia vouches for the addresses of its file users.
          ...(rest.email !== undefined &&
            rest.email_verified === undefined && { email_verified: true }),
        },
        where,
      );
    } catch (e) {
      throw new StaticUsersError(
        `${where}: ${(e as OAuthError).description ?? (e as Error).message}`,
      );
    }
    if (password !== undefined && (typeof password !== 'string' || !isPasswordDigest(password))) {
      throw new StaticUsersError(
        `${where}: password must be a digest (argon2id, bcrypt or $pbkdf2-…), never the password itself`,
      );
    }
    const { claims, groups, disabled } = toRecord(attributes);
    return {
      username,
      passwordDigest: password,
      claims,
      groups: groups ?? [],
      disabled: disabled ?? false,
      origin: 'seed' as const,
    };
  });
}

/** Upserts the users of USERS_FILE at boot. Running it again changes nothing. */
@Injectable()
export class StaticUsersLoader implements OnModuleInit {
  private readonly logger = new Logger('Users');

  constructor(
    @Inject(UsersService) private readonly users: UsersService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    const file = this.config.usersFile;
    if (!file) return;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new StaticUsersError(
        `USERS_FILE ${file} cannot be read: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
      );
    }
    const counts = { created: 0, updated: 0, unchanged: 0 };
    for (const entry of readStaticUsers(text)) {
      try {
        counts[await this.users.upsertSeed(entry)]++;
      } catch (e) {
        const detail = e instanceof OAuthError ? e.description : (e as Error).message;
        throw new StaticUsersError(`USERS_FILE users.${entry.username}: ${detail}`);
      }
    }
    this.logger.log(
      `USERS_FILE: ${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged`,
    );
  }
}
