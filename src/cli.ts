import 'reflect-metadata';
import { AuditModule } from './audit/audit.module.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CacheModule } from './cache/cache.module.js';
import { createLogger, PinoNestLogger } from './common/logging/logger.js';
import { ConfigurationError, loadConfig, type AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { SUPPORTED_SIGNING_ALGS, type SigningAlg } from './config/environment.js';
import { Database } from './database/database.js';
import { DatabaseModule } from './database/database.module.js';
import { KeyOperationError } from './keys/key-material.js';
import { KeysModule } from './keys/keys.module.js';
import { KeysService } from './keys/keys.service.js';
import type { RotationOutcome } from './keys/key-store.js';
import { generatePassword } from './users/passwords.js';
import { OAuthError } from './common/errors/oauth-error.js';
import { NewUserInput, toRecord, validateUserInput } from './users/user-input.js';
import { UsersService } from './users/users.service.js';

const USAGE = `Usage: npm run cli -- <command> [options]

Keys
  keys:list [--json]                      every key with its state and dates
  keys:rotate [--alg ALG] [--emergency]   promote the next key now (all algorithms, or one), once
                                          it has been published for the JWKS cache lifetime;
                                          --emergency promotes it anyway
  keys:import --key FILE [--chain FILE] [--alg ALG] [--activate]
                                          store a PEM private key (RSA >= 2048, EC P-256, Ed25519);
                                          the chain (PEM, leaf first) is published as x5c/x5t#S256.
                                          It becomes the next key, or signs at once with --activate
  keys:revoke KID                         remove a compromised key from the JWKS at once

Users
  users:create USERNAME [--email E] [--name N] [--group G]... [--password-stdin]
                                          create an account; the password is read from
                                          standard input, or generated and printed once

Database
  migration:run                           apply pending migrations
  migration:revert                        undo the last migration
  migration:generate NAME                 write a migration for the entity changes`;

class UsageError extends Error {}

@Module({ providers: [UsersService], exports: [UsersService] })
class CliUsersModule {}

@Module({})
class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        CacheModule,
        KeysModule.forRoot({ serve: false }),
        // Key changes made here are audit events too.
        AuditModule,
        CliUsersModule,
      ],
    };
  }
}

function algOption(value: string | undefined): SigningAlg | undefined {
  if (value === undefined) return undefined;
  if (!(SUPPORTED_SIGNING_ALGS as readonly string[]).includes(value)) {
    throw new UsageError(`--alg must be one of ${SUPPORTED_SIGNING_ALGS.join(', ')}`);
  }
  return value as SigningAlg;
}

function printOutcome(outcome: RotationOutcome): void {
  for (const [what, kids] of Object.entries(outcome))
    for (const kid of kids as string[]) console.log(`${what}: ${kid}`);
  if (Object.values(outcome).every((k: string[]) => k.length === 0))
    console.log('nothing to change');
}

async function withKeys<T>(config: AppConfig, work: (keys: KeysService) => Promise<T>): Promise<T> {
  const app = await NestFactory.createApplicationContext(CliModule.forRoot(config), {
    logger: new PinoNestLogger(createLogger(process.env.LOG_LEVEL ?? 'warn')),
    abortOnError: false,
  });
  try {
    return await work(app.get(KeysService));
  } finally {
    await app.close();
  }
}

async function withUsers<T>(
  config: AppConfig,
  work: (users: UsersService) => Promise<T>,
): Promise<T> {
  const app = await NestFactory.createApplicationContext(CliModule.forRoot(config), {
    logger: new PinoNestLogger(createLogger(process.env.LOG_LEVEL ?? 'warn')),
    abortOnError: false,
  });
  try {
    return await work(app.get(UsersService));
  } finally {
    await app.close();
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

async function withDatabase<T>(config: AppConfig, work: (db: Database) => Promise<T>): Promise<T> {
  const db = await Database.open(config);
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

async function run(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    // A kid is a base64url thumbprint and may begin with '-': keys:revoke takes no options,
    // so its argument is never read as one.
    args: command === 'keys:revoke' && rest[0] !== '--' ? ['--', ...rest] : rest,
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      alg: { type: 'string' },
      key: { type: 'string' },
      chain: { type: 'string' },
      activate: { type: 'boolean' },
      emergency: { type: 'boolean' },
      email: { type: 'string' },
      name: { type: 'string' },
      group: { type: 'string', multiple: true },
      'password-stdin': { type: 'boolean' },
    },
  });
  if (!command || command === 'help' || command === '--help') {
    console.log(USAGE);
    return;
  }
  const config = loadConfig();
  switch (command) {
    case 'keys:list': {
      const keys = await withKeys(config, (k) => k.list());
      const rows = keys.map((k) => ({
        kid: k.kid,
        alg: k.alg,
        status: k.status,
        origin: k.origin,
        created: k.createdAt.toISOString(),
        activated: k.activatedAt?.toISOString() ?? null,
        retired: k.retiredAt?.toISOString() ?? null,
        removeAfter: k.removeAfter?.toISOString() ?? null,
        revoked: k.revokedAt?.toISOString() ?? null,
        x5c: k.x5c ? k.x5c.length : 0,
      }));
      if (values.json) console.log(JSON.stringify(rows, null, 2));
      else
        console.table(
          rows.map(({ kid, alg, status, origin, created, activated }) => ({
            kid,
            alg,
            status,
            origin,
            created,
            activated,
          })),
        );
      return;
    }
    case 'keys:rotate': {
      const alg = algOption(values.alg);
      const emergency = values.emergency === true;
      printOutcome(
        await withKeys(config, (k) => k.rotateNow(alg ? [alg] : undefined, { emergency })),
      );
      return;
    }
    case 'keys:import': {
      if (!values.key) throw new UsageError('keys:import needs --key FILE');
      const privateKeyPem = readFileSync(values.key, 'utf8');
      const chainPem = values.chain ? readFileSync(values.chain, 'utf8') : undefined;
      const alg = algOption(values.alg);
      printOutcome(
        await withKeys(config, (k) =>
          k.importKey({ privateKeyPem, chainPem, alg, activate: values.activate }),
        ),
      );
      return;
    }
    case 'keys:revoke': {
      const kid = positionals[0];
      if (!kid) throw new UsageError('keys:revoke needs the kid of the key');
      printOutcome(await withKeys(config, (k) => k.revoke(kid)));
      return;
    }
    case 'users:create': {
      const attributes = validateUserInput(NewUserInput, {
        username: positionals[0],
        ...(values.email !== undefined && { email: values.email, email_verified: true }),
        ...(values.name !== undefined && { name: values.name }),
        ...(values.group !== undefined && { groups: values.group }),
        ...(values['password-stdin'] && { password: await readStdin() }),
      });
      const generated = attributes.password === undefined ? generatePassword() : undefined;
      const user = await withUsers(config, (users) =>
        users.create({
          username: attributes.username,
          password: attributes.password ?? generated,
          ...toRecord(attributes),
          origin: 'cli',
        }),
      );
      console.log(`created ${user.username} (sub ${user.id})`);
      if (generated) console.log(`password (shown once): ${generated}`);
      return;
    }
    case 'migration:run': {
      const applied = await withDatabase(config, (db) => db.migrate());
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'no pending migration');
      return;
    }
    case 'migration:revert':
      await withDatabase(config, (db) => db.revertLast());
      console.log('reverted the last migration');
      return;
    case 'migration:generate': {
      const name = positionals[0];
      if (!name || !/^[A-Za-z][A-Za-z0-9]*$/.test(name))
        throw new UsageError('migration:generate needs a name in PascalCase');
      const file = await withDatabase(config, async (db) => {
        await db.migrate();
        const sql = await db.dataSource.driver.createSchemaBuilder().log();
        if (sql.upQueries.length === 0) return undefined;
        const stamp = Date.now();
        const quote = (q: string) => '`' + q.replace(/`/g, '\\`') + '`';
        const up = sql.upQueries.map((q) => `    await q.query(${quote(q.query)});`).join('\n');
        const down = sql.downQueries
          .reverse()
          .map((q) => `    await q.query(${quote(q.query)});`)
          .join('\n');
        const path = join(
          'src',
          'database',
          'migrations',
          `${stamp}-${name.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase()}.ts`,
        );
        writeFileSync(
          path,
          `import type { MigrationInterface, QueryRunner } from 'typeorm';\n\nexport class ${name}${stamp} implements MigrationInterface {\n  name = '${name}${stamp}';\n\n  async up(q: QueryRunner): Promise<void> {\n${up}\n  }\n\n  async down(q: QueryRunner): Promise<void> {\n${down}\n  }\n}\n`,
        );
        return path;
      });
      console.log(
        file
          ? `wrote ${file}: add it to src/database/migrations/index.ts`
          : 'the entities match the database: nothing to generate',
      );
      return;
    }
    default:
      throw new UsageError(`Unknown command ${command}\n\n${USAGE}`);
  }
}

run(process.argv.slice(2)).then(
  () => process.exit(0),
  (e: unknown) => {
    if (e instanceof ConfigurationError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(78);
    }
    if (
      e instanceof UsageError ||
      e instanceof KeyOperationError ||
      (e instanceof TypeError && (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS'))
    ) {
      process.stderr.write(`${e.message}\n`);
      process.exit(64);
    }
    if (e instanceof OAuthError) {
      // Bad input (a taken username, an invalid email): the description names it.
      process.stderr.write(`${e.description ?? e.error}\n`);
      process.exit(64);
    }
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
