import { statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { IMAGE_EXTENSIONS } from '../interaction/branding.js';
import { parseDuration } from '../common/duration.js';
import { parseTrustProxy } from './trust-proxy.js';
import {
  ConfigurationError,
  validateEnvironment,
  type SigningAlg,
  type TotpAlgorithm,
} from './environment.js';

/** Development-only default; refused in production. */
export const DEVELOPMENT_KEYS_ENCRYPTION_SECRET =
  'development-only-keys-encryption-secret-not-for-production';
const MIN_SECRET_LENGTH = 32;
const PLACEHOLDER =
  /change[-_ ]?me|changeme|placeholder|example|^x+$|^(.)\1+$|development-only|insecure|replace/i;

/** The typed settings every module reads. Durations are in milliseconds. */
export interface AppConfig {
  production: boolean;
  issuer: string;
  host: string;
  port: number;
  /** Fastify's `trustProxy`: the addresses and ranges of trusted proxies; none if undefined. */
  trustProxy: string[] | undefined;
  database: { url?: string; poolSize: number; dataDir: string };
  /** Absolute path of the static clients file, if any. */
  clientsFile?: string;
  usersFile?: string;
  /** Seed the demo user and client at boot (DEMO_SEED auto, the embedded default, not production). */
  demoSeed: boolean;
  registration: {
    mode: 'open' | 'initial_access_token' | 'off';
    initialAccessTokens: string[];
    /** Open registrations per client address in `addressWindow`; 0: no limit. */
    addressMax: number;
    addressWindow: number;
  };
  /** Bootstrapped at boot with scope admin, for the admin API. */
  adminClient?: { clientId: string; secret: string };
  redis: { url?: string; keyPrefix: string };
  keys: {
    encryptionSecret: string;
    algorithms: SigningAlg[];
    rsaModulusLength: number;
    rotationCron: string;
    rotationPeriod: number;
    prepublishPeriod: number;
    retentionPeriod: number;
    reloadInterval: number;
  };
  lifespans: { accessToken: number; idToken: number; authorizeCode: number; refreshToken: number };
  /** RFC 9068 access tokens are signed with this algorithm (one of `keys.algorithms`). */
  accessTokenSigningAlg: SigningAlg;
  /** Refresh-token families: absolute lifetime and the reuse grace window (ms). */
  refreshTokens: { familyLifespan: number; reuseGrace: number };
  /** What an authorization request may be (Authelia's names). */
  authorization: {
    enforcePkce: 'never' | 'public_clients_only' | 'always';
    allowPlainPkce: boolean;
    minimumParameterEntropy: number;
    interactionLifespan: number;
    /** Scope claims in ID tokens as well as UserInfo (ID_TOKEN_SCOPE_CLAIMS), unless the client says. */
    idTokenScopeClaims: boolean;
  };
  /** Browser login sessions (SESSION_*). `inactivity` and `rememberMe` 0: off. */
  session: { cookieName: string; expiration: number; inactivity: number; rememberMe: number };
  /**
   * Back-Channel Logout deliveries (BACKCHANNEL_LOGOUT_*), in ms: the POST's timeout, attempts
   * before giving up, and the first retry's delay (later ones 3, 12, 60 and 360 times it).
   */
  backchannelLogout: { timeout: number; maxAttempts: number; retryDelay: number };
  /** Failed-login limits (REGULATION_*). `maxRetries` or `addressMaxFailures` 0: that limit is off. */
  regulation: { maxRetries: number; findTime: number; banTime: number; addressMaxFailures: number };
  /** Failed client authentications (CLIENT_REGULATION_*); a limit of 0 is off. */
  clientRegulation: {
    maxRetries: number;
    addressMaxFailures: number;
    findTime: number;
    banTime: number;
  };
  /** Client authentication (ENABLE_CLIENT_DEBUG_MESSAGES, CLIENT_ASSERTION_*); lifespan in ms. */
  clientAuth: {
    debugMessages: boolean;
    assertionMaxLifespan: number;
    assertionAudience: 'compatible' | 'strict';
  };
  /** RFC 6238 (TOTP_*); `period` in seconds, `skew` in periods either side. */
  totp: { issuer: string; algorithm: TotpAlgorithm; digits: number; period: number; skew: number };
  /** The sign-in pages' branding (PAGES_*); files are absolute paths, checked at boot. */
  pages: {
    productName: string;
    primaryColor: string;
    logoFile?: string;
    faviconFile?: string;
    customCssFile?: string;
    templatesDir?: string;
  };
  logLevel: string;
  shutdownTimeout: number;
  /** Settings that took a development default; logged as warnings at boot. */
  warnings: string[];
}

/**
 * Reads and checks the environment. A bad value throws a `ConfigurationError` naming every
 * variable at fault, so start-up stops with one clear message.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const e = validateEnvironment(env);
  // Development defaults (a published secret, private fetches) belong to the embedded default
  // or to a stated NODE_ENV=development: with real services and no NODE_ENV, production rules.
  const realServices = e.DATABASE_URL !== undefined || e.REDIS_URL !== undefined;
  const productionByDefault = (env.NODE_ENV ?? '') === '' && realServices;
  const production = e.NODE_ENV === 'production' || productionByDefault;
  const problems: string[] = [];
  const warnings: string[] = [];
  const PRODUCTION_BY_DEFAULT =
    'NODE_ENV is not set and DATABASE_URL or REDIS_URL is: production rules apply (set NODE_ENV=development for development defaults with real services)';
  const ms = (v: string) => parseDuration(v)!;

  let issuer = e.ISSUER;
  if (issuer === undefined) {
    if (production)
      problems.push(
        'ISSUER is required in production (the https URL clients use to reach the provider)',
      );
    issuer = `http://localhost:${e.PORT}`;
    warnings.push(`ISSUER is not set; using ${issuer} (development only)`);
  } else {
    const url = new URL(issuer);
    // OpenID Connect Discovery §3: an https URL with no query or fragment.
    if (url.search || url.hash || issuer.includes('?') || issuer.includes('#')) {
      problems.push(`ISSUER must not contain a query or fragment (got "${issuer}")`);
    }
    if (production && url.protocol !== 'https:') {
      problems.push(`ISSUER must use https in production (got "${issuer}")`);
    }
  }

  let secret = e.KEYS_ENCRYPTION_SECRET;
  if (secret === undefined) {
    if (production) {
      problems.push(
        `KEYS_ENCRYPTION_SECRET is required in production: a random string of at least ${MIN_SECRET_LENGTH} characters (e.g. openssl rand -base64 48)`,
      );
    } else {
      warnings.push(
        'KEYS_ENCRYPTION_SECRET is not set; using a development default that must never protect real keys',
      );
    }
    secret = DEVELOPMENT_KEYS_ENCRYPTION_SECRET;
  } else if (secret.length < MIN_SECRET_LENGTH) {
    problems.push(
      `KEYS_ENCRYPTION_SECRET must be at least ${MIN_SECRET_LENGTH} characters (got ${secret.length})`,
    );
  } else if (production && PLACEHOLDER.test(secret)) {
    problems.push(
      'KEYS_ENCRYPTION_SECRET looks like a placeholder; set a random value in production (e.g. openssl rand -base64 48)',
    );
  }

  const algorithms = [...new Set(e.SIGNING_ALGS.split(',').map((a) => a.trim() as SigningAlg))];
  if (!algorithms.includes('RS256')) {
    // OpenID Connect Core §15.1: RS256 must be supported for ID tokens.
    algorithms.unshift('RS256');
    warnings.push(
      'SIGNING_ALGS did not include RS256, which OpenID Connect requires; it was added',
    );
  }

  const lifespans = {
    accessToken: ms(e.ACCESS_TOKEN_LIFESPAN),
    idToken: ms(e.ID_TOKEN_LIFESPAN),
    authorizeCode: ms(e.AUTHORIZE_CODE_LIFESPAN),
    refreshToken: ms(e.REFRESH_TOKEN_LIFESPAN),
  };
  const keys = {
    encryptionSecret: secret,
    algorithms,
    rsaModulusLength: e.RSA_KEY_BITS,
    rotationCron: e.KEY_ROTATION_CRON,
    rotationPeriod: ms(e.KEY_ROTATION_PERIOD),
    prepublishPeriod: ms(e.KEY_PREPUBLISH_PERIOD),
    retentionPeriod: ms(e.KEY_RETENTION_PERIOD),
    reloadInterval: ms(e.KEY_RELOAD_INTERVAL),
  };
  if (keys.prepublishPeriod >= keys.rotationPeriod) {
    problems.push('KEY_PREPUBLISH_PERIOD must be shorter than KEY_ROTATION_PERIOD');
  }
  const longestJwt = Math.max(lifespans.accessToken, lifespans.idToken);
  if (keys.retentionPeriod < longestJwt) {
    problems.push(
      'KEY_RETENTION_PERIOD must be at least as long as ACCESS_TOKEN_LIFESPAN and ID_TOKEN_LIFESPAN, so every token a retired key signed can still be verified',
    );
  }
  const lifespanVariables = {
    accessToken: 'ACCESS_TOKEN_LIFESPAN',
    idToken: 'ID_TOKEN_LIFESPAN',
    authorizeCode: 'AUTHORIZE_CODE_LIFESPAN',
    refreshToken: 'REFRESH_TOKEN_LIFESPAN',
  } as const;
  for (const [name, value] of Object.entries(lifespans)) {
    if (value <= 0)
      problems.push(`${lifespanVariables[name as keyof typeof lifespans]} must be longer than 0`);
  }
  if (!algorithms.includes(e.ACCESS_TOKEN_SIGNING_ALG)) {
    problems.push(
      `ACCESS_TOKEN_SIGNING_ALG ${e.ACCESS_TOKEN_SIGNING_ALG} must be one of SIGNING_ALGS (${algorithms.join(',')})`,
    );
  }
  if (keys.reloadInterval < 1000) problems.push('KEY_RELOAD_INTERVAL must be at least 1s');

  const initialAccessTokens = (e.REGISTRATION_INITIAL_ACCESS_TOKENS ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (e.REGISTRATION_MODE === 'initial_access_token' && initialAccessTokens.length === 0) {
    problems.push(
      'REGISTRATION_INITIAL_ACCESS_TOKENS must list at least one token when REGISTRATION_MODE is initial_access_token',
    );
  }
  if (initialAccessTokens.some((t) => t.length < MIN_SECRET_LENGTH)) {
    problems.push(
      `Each REGISTRATION_INITIAL_ACCESS_TOKENS entry must be at least ${MIN_SECRET_LENGTH} characters`,
    );
  }
  if ((e.ADMIN_CLIENT_ID === undefined) !== (e.ADMIN_CLIENT_SECRET === undefined)) {
    problems.push('ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET must be set together');
  } else if (e.ADMIN_CLIENT_SECRET !== undefined) {
    if (e.ADMIN_CLIENT_SECRET.length < MIN_SECRET_LENGTH) {
      problems.push(`ADMIN_CLIENT_SECRET must be at least ${MIN_SECRET_LENGTH} characters`);
    } else if (production && PLACEHOLDER.test(e.ADMIN_CLIENT_SECRET)) {
      problems.push('ADMIN_CLIENT_SECRET looks like a placeholder; set a random value');
    }
  }

  const session = {
    cookieName: e.SESSION_COOKIE_NAME,
    expiration: ms(e.SESSION_EXPIRATION),
    inactivity: ms(e.SESSION_INACTIVITY),
    rememberMe: ms(e.SESSION_REMEMBER_ME),
  };
  if (session.expiration < 1000) problems.push('SESSION_EXPIRATION must be at least 1s');
  if (session.rememberMe !== 0 && session.rememberMe <= session.expiration) {
    problems.push(
      'SESSION_REMEMBER_ME must be longer than SESSION_EXPIRATION, or 0 to turn it off',
    );
  }
  // RFC 6265bis §4.1.3: the browser drops __Secure- cookies without Secure, and __Host- ones
  // without Secure or with a Path other than /.
  const issuerUrl = new URL(issuer);
  const https = issuerUrl.protocol === 'https:';
  const bareOrigin = issuerUrl.pathname.replace(/\/+$/, '') === '';
  if (/^__host-/i.test(session.cookieName) && !(https && bareOrigin)) {
    problems.push(
      'SESSION_COOKIE_NAME with the __Host- prefix needs an https ISSUER without a path',
    );
  } else if (/^__secure-/i.test(session.cookieName) && !https) {
    problems.push('SESSION_COOKIE_NAME with the __Secure- prefix needs an https ISSUER');
  }

  const backchannelLogout = {
    timeout: ms(e.BACKCHANNEL_LOGOUT_TIMEOUT),
    maxAttempts: e.BACKCHANNEL_LOGOUT_MAX_ATTEMPTS,
    retryDelay: ms(e.BACKCHANNEL_LOGOUT_RETRY_DELAY),
  };
  if (backchannelLogout.timeout < 100 || backchannelLogout.timeout > 60_000) {
    problems.push('BACKCHANNEL_LOGOUT_TIMEOUT must be from 100ms to 1m');
  }
  if (backchannelLogout.retryDelay < 100) {
    problems.push('BACKCHANNEL_LOGOUT_RETRY_DELAY must be at least 100ms');
  }

  const registrationWindow = ms(e.REGISTRATION_ADDRESS_WINDOW);
  if (registrationWindow < 1000) problems.push('REGISTRATION_ADDRESS_WINDOW must be at least 1s');

  const proxy = parseTrustProxy(e.TRUST_PROXY);
  if ('problem' in proxy) problems.push(proxy.problem);

  const regulation = {
    maxRetries: e.REGULATION_MAX_RETRIES,
    findTime: ms(e.REGULATION_FIND_TIME),
    banTime: ms(e.REGULATION_BAN_TIME),
    addressMaxFailures: e.REGULATION_ADDRESS_MAX_FAILURES,
  };
  if (regulation.maxRetries > 0 || regulation.addressMaxFailures > 0) {
    if (regulation.findTime < 1000) problems.push('REGULATION_FIND_TIME must be at least 1s');
    if (regulation.banTime < 1000) problems.push('REGULATION_BAN_TIME must be at least 1s');
    // As Authelia: failures are counted over find_time, so a shorter ban would end before them.
    if (regulation.findTime > regulation.banTime) {
      problems.push('REGULATION_FIND_TIME must not be longer than REGULATION_BAN_TIME');
    }
  }

  const clientRegulation = {
    maxRetries: e.CLIENT_REGULATION_MAX_RETRIES,
    addressMaxFailures: e.CLIENT_REGULATION_ADDRESS_MAX_FAILURES,
    findTime: ms(e.CLIENT_REGULATION_FIND_TIME),
    banTime: ms(e.CLIENT_REGULATION_BAN_TIME),
  };
  if (clientRegulation.maxRetries > 0 || clientRegulation.addressMaxFailures > 0) {
    if (clientRegulation.findTime < 1000)
      problems.push('CLIENT_REGULATION_FIND_TIME must be at least 1s');
    if (clientRegulation.banTime < 1000)
      problems.push('CLIENT_REGULATION_BAN_TIME must be at least 1s');
    if (clientRegulation.findTime > clientRegulation.banTime) {
      problems.push(
        'CLIENT_REGULATION_FIND_TIME must not be longer than CLIENT_REGULATION_BAN_TIME',
      );
    }
  }
  const clientAuth = {
    debugMessages: e.ENABLE_CLIENT_DEBUG_MESSAGES === 'true',
    assertionMaxLifespan: ms(e.CLIENT_ASSERTION_MAX_LIFESPAN),
    assertionAudience: e.CLIENT_ASSERTION_AUDIENCE,
  };
  if (clientAuth.assertionMaxLifespan < 10_000 || clientAuth.assertionMaxLifespan > 86_400_000) {
    problems.push('CLIENT_ASSERTION_MAX_LIFESPAN must be from 10s to 24h');
  }

  const totp = {
    issuer: e.TOTP_ISSUER ?? issuerUrl.hostname,
    algorithm: e.TOTP_ALGORITHM.toUpperCase() as TotpAlgorithm,
    digits: e.TOTP_DIGITS,
    period: e.TOTP_PERIOD,
    skew: e.TOTP_SKEW,
  };

  const pages = {
    productName: e.PAGES_PRODUCT_NAME,
    primaryColor: e.PAGES_PRIMARY_COLOR.toLowerCase(),
    logoFile: existingPath('PAGES_LOGO_FILE', e.PAGES_LOGO_FILE, 'file', problems),
    faviconFile: existingPath('PAGES_FAVICON_FILE', e.PAGES_FAVICON_FILE, 'file', problems),
    customCssFile: existingPath('PAGES_CUSTOM_CSS_FILE', e.PAGES_CUSTOM_CSS_FILE, 'file', problems),
    templatesDir: existingPath('PAGES_TEMPLATES_DIR', e.PAGES_TEMPLATES_DIR, 'folder', problems),
  };
  for (const [name, file] of [
    ['PAGES_LOGO_FILE', pages.logoFile],
    ['PAGES_FAVICON_FILE', pages.faviconFile],
  ] as const) {
    if (file !== undefined && !IMAGE_EXTENSIONS.includes(extname(file).toLowerCase())) {
      problems.push(`${name} must be an image (${IMAGE_EXTENSIONS.join(', ')})`);
    }
  }

  if (production) {
    // The embedded database and the in-memory store serve one development process only.
    if (e.DATABASE_URL === undefined)
      problems.push(
        'DATABASE_URL is required in production (postgres://user:password@host:5432/db)',
      );
    if (e.REDIS_URL === undefined)
      problems.push('REDIS_URL is required in production (redis://host:6379)');
  }
  if (problems.length > 0) {
    if (productionByDefault) problems.push(PRODUCTION_BY_DEFAULT);
    throw new ConfigurationError(problems);
  }
  if (productionByDefault) warnings.push(PRODUCTION_BY_DEFAULT);

  if (e.DATABASE_URL === undefined)
    warnings.push(
      'DATABASE_URL is not set; using the embedded Postgres in DATA_DIR: for development and a single instance only',
    );
  if (e.REDIS_URL === undefined)
    warnings.push(
      'REDIS_URL is not set; using the in-memory store: for development and a single instance only',
    );

  return {
    production,
    issuer,
    host: e.HOST,
    port: e.PORT,
    trustProxy: 'trustProxy' in proxy ? proxy.trustProxy : undefined,
    database: { url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE, dataDir: resolve(e.DATA_DIR) },
    redis: { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX },
    clientsFile: e.CLIENTS_FILE === undefined ? undefined : resolve(e.CLIENTS_FILE),
    usersFile: e.USERS_FILE === undefined ? undefined : resolve(e.USERS_FILE),
    // Never on real services or in production: the demo's credentials are published.
    demoSeed: e.DEMO_SEED === 'auto' && !production && e.DATABASE_URL === undefined,
    registration: {
      mode: e.REGISTRATION_MODE,
      initialAccessTokens,
      addressMax: e.REGISTRATION_ADDRESS_MAX,
      addressWindow: registrationWindow,
    },
    adminClient:
      e.ADMIN_CLIENT_ID && e.ADMIN_CLIENT_SECRET
        ? { clientId: e.ADMIN_CLIENT_ID, secret: e.ADMIN_CLIENT_SECRET }
        : undefined,
    keys,
    lifespans,
    accessTokenSigningAlg: e.ACCESS_TOKEN_SIGNING_ALG,
    refreshTokens: {
      familyLifespan: ms(e.REFRESH_TOKEN_FAMILY_LIFESPAN),
      reuseGrace: ms(e.REFRESH_TOKEN_REUSE_GRACE),
    },
    authorization: {
      enforcePkce: e.ENFORCE_PKCE,
      allowPlainPkce: e.ENABLE_PKCE_PLAIN_CHALLENGE === 'true',
      minimumParameterEntropy: e.MINIMUM_PARAMETER_ENTROPY,
      interactionLifespan: ms(e.INTERACTION_LIFESPAN),
      idTokenScopeClaims: e.ID_TOKEN_SCOPE_CLAIMS === 'true',
    },
    session,
    backchannelLogout,
    regulation,
    clientRegulation,
    clientAuth,
    totp,
    pages,
    logLevel: e.LOG_LEVEL,
    shutdownTimeout: ms(e.SHUTDOWN_TIMEOUT),
    warnings,
  };
}

/** An optional path made absolute; a problem is recorded when nothing of that kind is there. */
function existingPath(
  name: string,
  path: string | undefined,
  kind: 'file' | 'folder',
  problems: string[],
): string | undefined {
  if (path === undefined) return undefined;
  const absolute = resolve(path);
  const stat = statSync(absolute, { throwIfNoEntry: false });
  if (!(kind === 'file' ? stat?.isFile() : stat?.isDirectory())) {
    problems.push(`${name} must name an existing ${kind} (got "${path}")`);
  }
  return absolute;
}

export { ConfigurationError };
