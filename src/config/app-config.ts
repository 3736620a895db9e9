import { SETTINGS, type DeclaredSections, type EnvironmentVariables } from './declarations.js';
import type { Bucket } from '../rate-limits/buckets.js';
import type { LimitedEndpoint } from '../rate-limits/rate-limits.settings.js';
import type { SigningAlg, TotpAlgorithm } from './environment.js';
import {
  DEVELOPMENT_KEYS_ENCRYPTION_SECRET,
  looksLikePlaceholder,
  MIN_SECRET_LENGTH,
} from './secrets.js';
import {
  checkSettings,
  ConfigurationError,
  mapSettings,
  readSettings,
  type SettingsContext,
} from './settings.js';

export { ConfigurationError, DEVELOPMENT_KEYS_ENCRYPTION_SECRET };

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
  /** Absolute path of the resource servers file (RESOURCES_FILE), if any. */
  resourcesFile?: string;
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
  /** RFC 9449 (DPOP_*): the proofs' `iat` window (ms), and whether server nonces are required. */
  dpop: { proofWindow: number; nonce: boolean };
  /** What an authorization request may be (Authelia's names). */
  authorization: {
    enforcePkce: 'never' | 'public_clients_only' | 'always';
    allowPlainPkce: boolean;
    minimumParameterEntropy: number;
    interactionLifespan: number;
    /** Scope claims in ID tokens as well as UserInfo (ID_TOKEN_SCOPE_CLAIMS), unless the client says. */
    idTokenScopeClaims: boolean;
    /** RFC 9126: every client must push its requests (PUSHED_AUTHORIZATIONS_ENFORCE). */
    requirePushedRequests: boolean;
    /** How long a pushed request's `request_uri` may be used, in ms. */
    pushedRequestLifespan: number;
    /** RFC 8628: how long a device code and its user code live, and the polling interval (ms). */
    deviceCodeLifespan: number;
    devicePollingInterval: number;
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
  /** RATE_LIMITS_*: the buckets per endpoint, per client and per client address. */
  rateLimits: Record<LimitedEndpoint, { client: Bucket[]; address: Bucket[] }>;
  /** AUDIT_RETENTION (ms). */
  audit: { retention: number };
  /** METRICS_PORT (undefined: no metrics listener) and METRICS_HOST. */
  metrics: { port?: number; host: string };
  /** PRUNING_* (ms, and rows per statement). */
  pruning: { interval: number; retention: number; batchSize: number };
  /** SERVER_TIMEOUTS_READ, SERVER_TIMEOUTS_IDLE (ms) and SERVER_MAX_CONNECTIONS. */
  connections: { readTimeout: number; idleTimeout: number; max: number };
  /** Settings that took a development default; logged as warnings at boot. */
  warnings: string[];
}

/**
 * Reads and checks the environment. A bad value throws a `ConfigurationError` naming every
 * variable at fault, so start-up stops with one clear message: first every format problem
 * (each module's declarations, `declarations.ts`), then, once every value has the right
 * format, the production rules, each module's own checks and the checks across modules.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const values = readSettings(SETTINGS, env);
  const e = Object.assign({}, ...values.values()) as EnvironmentVariables;
  // Development defaults (a published secret, private fetches) belong to the embedded default
  // or to a stated NODE_ENV=development: with real services and no NODE_ENV, production rules.
  const realServices = e.DATABASE_URL !== undefined || e.REDIS_URL !== undefined;
  const productionByDefault = (env.NODE_ENV ?? '') === '' && realServices;
  const production = e.NODE_ENV === 'production' || productionByDefault;
  const problems: string[] = [];
  const warnings: string[] = [];
  const PRODUCTION_BY_DEFAULT =
    'NODE_ENV is not set and DATABASE_URL or REDIS_URL is: production rules apply (set NODE_ENV=development for development defaults with real services)';

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

  const secret = e.KEYS_ENCRYPTION_SECRET;
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
  } else if (secret.length < MIN_SECRET_LENGTH) {
    problems.push(
      `KEYS_ENCRYPTION_SECRET must be at least ${MIN_SECRET_LENGTH} characters (got ${secret.length})`,
    );
  } else if (production && looksLikePlaceholder(secret)) {
    problems.push(
      'KEYS_ENCRYPTION_SECRET looks like a placeholder; set a random value in production (e.g. openssl rand -base64 48)',
    );
  }

  const context: SettingsContext = {
    production,
    issuer,
    embeddedDatabase: e.DATABASE_URL === undefined,
    warn: (message) => warnings.push(message),
  };
  problems.push(...checkSettings(values, context));
  const sections = mapSettings(values, context) as DeclaredSections;
  problems.push(...checkAcrossModules(sections));

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

  return { production, issuer, ...sections, warnings };
}

/** Checks between the settings of different modules. */
function checkAcrossModules(c: DeclaredSections): string[] {
  const problems: string[] = [];
  // Keys and tokens: a retired key stays published while tokens it signed are alive.
  if (c.keys.retentionPeriod < Math.max(c.lifespans.accessToken, c.lifespans.idToken)) {
    problems.push(
      'KEY_RETENTION_PERIOD must be at least as long as ACCESS_TOKEN_LIFESPAN and ID_TOKEN_LIFESPAN, so every token a retired key signed can still be verified',
    );
  }
  if (!c.keys.algorithms.includes(c.accessTokenSigningAlg)) {
    problems.push(
      `ACCESS_TOKEN_SIGNING_ALG ${c.accessTokenSigningAlg} must be one of SIGNING_ALGS (${c.keys.algorithms.join(',')})`,
    );
  }
  return problems;
}

/**
 * Every `AppConfig` member is filled by one module's declarations or by `loadConfig` itself:
 * a member nobody fills is a compile error here; one that two groups fill makes `loadConfig`
 * throw.
 */
type Unfilled = Exclude<
  keyof AppConfig,
  keyof DeclaredSections | 'production' | 'issuer' | 'warnings'
>;
const everyMemberFilled: [Unfilled] extends [never]
  ? true
  : { 'AppConfig members no settings declaration fills': Unfilled } = true;
void everyMemberFilled;
