import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  registerDecorator,
  validateSync,
  type ValidationArguments,
  type ValidationError,
} from 'class-validator';
import { Type } from 'class-transformer';
import { CronTime } from 'cron';
import { parseDuration } from '../common/duration.js';

/** Algorithms the provider can sign with (RFC 7518 §3.1, RFC 8037). */
export const SUPPORTED_SIGNING_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;
export type SigningAlg = (typeof SUPPORTED_SIGNING_ALGS)[number];

/** HMAC algorithms of RFC 6238 TOTP; Authelia writes them in lower case, so both are accepted. */
export const TOTP_ALGORITHMS = ['SHA1', 'SHA256', 'SHA512'] as const;
export type TotpAlgorithm = (typeof TOTP_ALGORITHMS)[number];
const TOTP_ALGORITHMS_ACCEPTED = [
  ...TOTP_ALGORITHMS,
  ...TOTP_ALGORITHMS.map((a) => a.toLowerCase()),
];

/** A property rule with its own check and a message that names the variable and the value. */
function rule(name: string, validate: (value: unknown) => boolean, expects: string) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName,
      validator: {
        validate,
        defaultMessage: (a?: ValidationArguments) =>
          `${a?.property} must be ${expects} (got "${String(a?.value)}")`,
      },
    });
}

const IsDuration = () =>
  rule(
    'isDuration',
    (v) => typeof v === 'string' && parseDuration(v) !== undefined,
    'a duration such as 90m, 1h or 7d',
  );

const IsAbsoluteUrl = (protocols: string[]) =>
  rule(
    'isAbsoluteUrl',
    (v) => typeof v === 'string' && URL.canParse(v) && protocols.includes(new URL(v).protocol),
    `an absolute URL with scheme ${protocols.join(' or ')}`,
  );

const IsSigningAlgList = () =>
  rule(
    'isSigningAlgList',
    (v) =>
      typeof v === 'string' &&
      v.split(',').every((a) => (SUPPORTED_SIGNING_ALGS as readonly string[]).includes(a.trim())),
    `a comma-separated list of ${SUPPORTED_SIGNING_ALGS.join(', ')}`,
  );

const IsCron = () =>
  rule(
    'isCron',
    (v) => {
      if (typeof v !== 'string') return false;
      try {
        new CronTime(v);
        return true;
      } catch {
        return false;
      }
    },
    'a cron expression with 5 or 6 fields',
  );

/**
 * The environment as the provider reads it. Every variable is documented in `.env.example`
 * and `docs/configuration.md`; the defaults here are the ones those files state.
 */
export class EnvironmentVariables {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV = 'development';

  /** Defaults to http://localhost:PORT outside production; required in production. */
  @IsOptional()
  @IsAbsoluteUrl(['https:', 'http:'])
  ISSUER?: string;

  @IsString()
  HOST = '127.0.0.1';

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 8080;

  /** Peers trusted to give the client's address in X-Forwarded-For: see trust-proxy.ts. */
  @IsString()
  TRUST_PROXY = '';

  @IsOptional()
  @IsAbsoluteUrl(['postgres:', 'postgresql:'])
  DATABASE_URL?: string;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE = 10;

  @IsOptional()
  @IsAbsoluteUrl(['redis:', 'rediss:'])
  REDIS_URL?: string;

  @IsString()
  @Matches(/^[A-Za-z0-9:_-]{0,32}$/, {
    message: 'REDIS_KEY_PREFIX must be up to 32 of [A-Za-z0-9:_-]',
  })
  REDIS_KEY_PREFIX = 'op:';

  @IsString()
  DATA_DIR = './.data';

  /** A YAML file of static clients, upserted at boot (docs/clients.md). */
  @IsOptional()
  @IsString()
  CLIENTS_FILE?: string;

  /** A YAML file of users in Authelia's file-database shape, upserted at boot. */
  @IsOptional()
  @IsString()
  USERS_FILE?: string;

  /**
   * The demo user and client for trying the sign-in flow: `auto` seeds them on the embedded
   * default (no DATABASE_URL) outside production; `off` never does.
   */
  @IsIn(['auto', 'off'], { message: 'DEMO_SEED must be auto or off' })
  DEMO_SEED: 'auto' | 'off' = 'auto';

  /** Dynamic client registration (RFC 7591): off by default, secure by default. */
  @IsIn(['open', 'initial_access_token', 'off'], {
    message: 'REGISTRATION_MODE must be one of open, initial_access_token, off',
  })
  REGISTRATION_MODE: 'open' | 'initial_access_token' | 'off' = 'off';

  /** Comma-separated bearer tokens that allow registration in initial_access_token mode. */
  @IsOptional()
  @IsString()
  REGISTRATION_INITIAL_ACCESS_TOKENS?: string;

  /** Open registrations from one client address within REGISTRATION_ADDRESS_WINDOW; 0: no limit. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  REGISTRATION_ADDRESS_MAX = 20;

  @IsDuration()
  REGISTRATION_ADDRESS_WINDOW = '1h';

  /** The client bootstrapped at boot to call the admin API (scope admin). */
  @IsOptional()
  @Matches(/^[\x21-\x7e]{1,200}$/, {
    message: 'ADMIN_CLIENT_ID must be 1 to 200 visible ASCII characters',
  })
  ADMIN_CLIENT_ID?: string;

  @IsOptional()
  @IsString()
  ADMIN_CLIENT_SECRET?: string;

  @IsOptional()
  @IsString()
  KEYS_ENCRYPTION_SECRET?: string;

  @IsSigningAlgList()
  SIGNING_ALGS = 'RS256,ES256';

  @Type(() => Number)
  @IsIn([2048, 3072, 4096], { message: 'RSA_KEY_BITS must be 2048, 3072 or 4096' })
  RSA_KEY_BITS = 2048;

  @IsCron()
  KEY_ROTATION_CRON = '*/5 * * * *';

  @IsDuration()
  KEY_ROTATION_PERIOD = '30d';

  @IsDuration()
  KEY_PREPUBLISH_PERIOD = '1d';

  @IsDuration()
  KEY_RETENTION_PERIOD = '1d';

  @IsDuration()
  KEY_RELOAD_INTERVAL = '1m';

  @IsIn(SUPPORTED_SIGNING_ALGS, {
    message: `ACCESS_TOKEN_SIGNING_ALG must be one of ${SUPPORTED_SIGNING_ALGS.join(', ')}`,
  })
  ACCESS_TOKEN_SIGNING_ALG: SigningAlg = 'RS256';

  @IsDuration()
  ACCESS_TOKEN_LIFESPAN = '1h';

  @IsDuration()
  ID_TOKEN_LIFESPAN = '1h';

  @IsDuration()
  AUTHORIZE_CODE_LIFESPAN = '1m';

  @IsDuration()
  REFRESH_TOKEN_LIFESPAN = '90m';

  /** The absolute end of a refresh-token family, however often it is rotated. */
  @IsDuration()
  REFRESH_TOKEN_FAMILY_LIFESPAN = '30d';

  /**
   * How long after a rotation a reuse of the old refresh token gets a fresh rotation instead of
   * revoking the family (a lost answer, two tabs racing); 0: never, every reuse revokes.
   */
  @IsDuration()
  REFRESH_TOKEN_REUSE_GRACE = '0s';

  /** Authelia's enforce_pkce: which clients must use PKCE in the code flow. */
  @IsIn(['never', 'public_clients_only', 'always'], {
    message: 'ENFORCE_PKCE must be one of never, public_clients_only, always',
  })
  ENFORCE_PKCE: 'never' | 'public_clients_only' | 'always' = 'public_clients_only';

  /** Authelia's enable_pkce_plain_challenge. */
  @IsIn(['true', 'false'], { message: 'ENABLE_PKCE_PLAIN_CHALLENGE must be true or false' })
  ENABLE_PKCE_PLAIN_CHALLENGE: 'true' | 'false' = 'false';

  /** Authelia's minimum_parameter_entropy: the least length of state and nonce; 0 is off. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(64)
  MINIMUM_PARAMETER_ENTROPY = 8;

  /** Put the claims of the granted scopes in ID tokens too, not only in UserInfo. */
  @IsIn(['true', 'false'], { message: 'ID_TOKEN_SCOPE_CLAIMS must be true or false' })
  ID_TOKEN_SCOPE_CLAIMS: 'true' | 'false' = 'true';

  /** How long an unfinished sign-in (login, second factor, consent) may take. */
  @IsDuration()
  INTERACTION_LIFESPAN = '10m';

  /** Browser login sessions, after Authelia's `session` section. */
  @Matches(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/, {
    message: "SESSION_COOKIE_NAME must be 1 to 64 letters, digits or !#$%&'*+-.^_`|~ (RFC 6265)",
  })
  SESSION_COOKIE_NAME = 'op_session';

  @IsDuration()
  SESSION_EXPIRATION = '1h';

  @IsDuration()
  SESSION_INACTIVITY = '5m';

  @IsDuration()
  SESSION_REMEMBER_ME = '30d';

  /** Back-Channel Logout 1.0 deliveries: POST timeout, attempts, first retry delay. */
  @IsDuration()
  BACKCHANNEL_LOGOUT_TIMEOUT = '5s';

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(20)
  BACKCHANNEL_LOGOUT_MAX_ATTEMPTS = 6;

  @IsDuration()
  BACKCHANNEL_LOGOUT_RETRY_DELAY = '10s';

  /** Failed logins, after Authelia's `regulation` section; 0 turns the per-user ban off. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1000)
  REGULATION_MAX_RETRIES = 3;

  @IsDuration()
  REGULATION_FIND_TIME = '2m';

  @IsDuration()
  REGULATION_BAN_TIME = '5m';

  /** Failed logins from one client address within REGULATION_FIND_TIME; 0 turns it off. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  REGULATION_ADDRESS_MAX_FAILURES = 20;

  /**
   * Failed client authentications at the token, introspection and revocation endpoints, after
   * the REGULATION_* settings: per client, and per client address (unknown clients included).
   * A ban stops slow-hash secret checks and answers 429; credentials checked at no cost still
   * pass, so failures sent in a client's name cannot lock the client out. 0 turns a limit off.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  CLIENT_REGULATION_MAX_RETRIES = 10;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  CLIENT_REGULATION_ADDRESS_MAX_FAILURES = 50;

  @IsDuration()
  CLIENT_REGULATION_FIND_TIME = '2m';

  @IsDuration()
  CLIENT_REGULATION_BAN_TIME = '5m';

  /** Authelia's enable_client_debug_messages: the reason a client authentication failed, in the answer. */
  @IsIn(['true', 'false'], { message: 'ENABLE_CLIENT_DEBUG_MESSAGES must be true or false' })
  ENABLE_CLIENT_DEBUG_MESSAGES: 'true' | 'false' = 'false';

  /** The longest a client assertion may be valid from now (authlib signs for 1 h). */
  @IsDuration()
  CLIENT_ASSERTION_MAX_LIFESPAN = '1h';

  /**
   * `aud` of client assertions: `compatible` takes the issuer, the token endpoint or the
   * endpoint called (an array only if every member is one of them); `strict` only the issuer
   * as a single string, as FAPI 2.0 asks.
   */
  @IsIn(['compatible', 'strict'], {
    message: 'CLIENT_ASSERTION_AUDIENCE must be compatible or strict',
  })
  CLIENT_ASSERTION_AUDIENCE: 'compatible' | 'strict' = 'compatible';

  /** RFC 6238 one-time passwords, after Authelia's `totp` section. */
  @IsOptional()
  @Matches(/^[^:\p{Cc}]{1,100}$/u, {
    message: 'TOTP_ISSUER must be 1 to 100 characters without a colon or control characters',
  })
  TOTP_ISSUER?: string;

  @IsIn(TOTP_ALGORITHMS_ACCEPTED, {
    message: 'TOTP_ALGORITHM must be one of SHA1, SHA256, SHA512',
  })
  TOTP_ALGORITHM = 'SHA1';

  @Type(() => Number)
  @IsIn([6, 8], { message: 'TOTP_DIGITS must be 6 or 8' })
  TOTP_DIGITS = 6;

  @Type(() => Number)
  @IsInt()
  @Min(15)
  @Max(300)
  TOTP_PERIOD = 30;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(10)
  TOTP_SKEW = 1;

  /** The sign-in pages' branding (docs/pages.md), after Authelia's `theme` and asset path. */
  @IsString()
  @Matches(/^[^\p{Cc}]{1,60}$/u, {
    message: 'PAGES_PRODUCT_NAME must be 1 to 60 characters without control characters',
  })
  PAGES_PRODUCT_NAME = 'Single sign-on';

  @Matches(/^#[0-9a-fA-F]{6}$/, { message: 'PAGES_PRIMARY_COLOR must be a colour like #2457c5' })
  PAGES_PRIMARY_COLOR = '#2457c5';

  @IsOptional()
  @IsString()
  PAGES_LOGO_FILE?: string;

  @IsOptional()
  @IsString()
  PAGES_FAVICON_FILE?: string;

  @IsOptional()
  @IsString()
  PAGES_CUSTOM_CSS_FILE?: string;

  @IsOptional()
  @IsString()
  PAGES_TEMPLATES_DIR?: string;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @IsDuration()
  SHUTDOWN_TIMEOUT = '10s';
}

export class ConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigurationError';
  }
}

function flatten(errors: ValidationError[]): string[] {
  return errors.flatMap((e) =>
    e.constraints ? Object.values(e.constraints) : flatten(e.children ?? []),
  );
}

/** The name of every variable the provider reads, those without a default included. */
export function environmentVariableNames(): string[] {
  return Object.keys(new EnvironmentVariables()).concat(
    'ISSUER',
    'DATABASE_URL',
    'REDIS_URL',
    'KEYS_ENCRYPTION_SECRET',
    'CLIENTS_FILE',
    'USERS_FILE',
    'REGISTRATION_INITIAL_ACCESS_TOKENS',
    'ADMIN_CLIENT_ID',
    'ADMIN_CLIENT_SECRET',
    'TOTP_ISSUER',
    'PAGES_LOGO_FILE',
    'PAGES_FAVICON_FILE',
    'PAGES_CUSTOM_CSS_FILE',
    'PAGES_TEMPLATES_DIR',
  );
}

/** Validates the raw environment; empty strings count as unset. */
export function validateEnvironment(env: NodeJS.ProcessEnv): EnvironmentVariables {
  const raw: Record<string, string> = {};
  for (const name of environmentVariableNames()) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[name] = value;
  }
  const parsed = plainToInstance(EnvironmentVariables, raw, { exposeDefaultValues: true });
  const problems = flatten(validateSync(parsed, { forbidUnknownValues: false }));
  if (problems.length > 0) throw new ConfigurationError(problems);
  return parsed;
}
