import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, loadConfig } from './app-config.js';
import { environmentVariableNames } from './environment.js';

const good = {
  KEYS_ENCRYPTION_SECRET: 'k'.repeat(20) + 'Zq8v0aLx3mW1pT9r2Yd',
  ISSUER: 'https://id.example.org',
};

function problemsOf(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (e) {
    assert.ok(e instanceof ConfigurationError);
    return e.message;
  }
  assert.fail('expected a ConfigurationError');
}

test('defaults follow Authelia and need no environment outside production', () => {
  const c = loadConfig({});
  assert.equal(c.issuer, 'http://localhost:8080');
  assert.deepEqual(c.keys.algorithms, ['RS256', 'ES256']);
  assert.deepEqual(c.lifespans, {
    accessToken: 3_600_000,
    idToken: 3_600_000,
    authorizeCode: 60_000,
    refreshToken: 5_400_000,
  });
  assert.ok(c.warnings.some((w) => w.includes('KEYS_ENCRYPTION_SECRET')));
  assert.ok(c.warnings.some((w) => w.includes('DATABASE_URL')));
});

test('a non-URL ISSUER names the variable', () => {
  assert.match(problemsOf({ ISSUER: 'not a url' }), /ISSUER must be an absolute URL/);
  assert.match(
    problemsOf({ ISSUER: 'https://id.example.org/?x=1' }),
    /ISSUER must not contain a query/,
  );
});

test('an unknown algorithm names the variable and the choices', () => {
  assert.match(
    problemsOf({ SIGNING_ALGS: 'RS256,HS256' }),
    /SIGNING_ALGS must be a comma-separated list of RS256, PS256, ES256, EdDSA/,
  );
});

test('RS256 is always present', () => {
  assert.deepEqual(loadConfig({ SIGNING_ALGS: 'ES256,EdDSA' }).keys.algorithms, [
    'RS256',
    'ES256',
    'EdDSA',
  ]);
});

test('production refuses missing, short and placeholder secrets', () => {
  const prod = { NODE_ENV: 'production', ISSUER: 'https://id.example.org' };
  assert.match(problemsOf(prod), /KEYS_ENCRYPTION_SECRET is required in production/);
  assert.match(
    problemsOf({ ...prod, KEYS_ENCRYPTION_SECRET: 'short' }),
    /KEYS_ENCRYPTION_SECRET must be at least 32 characters \(got 5\)/,
  );
  assert.match(
    problemsOf({ ...prod, KEYS_ENCRYPTION_SECRET: 'change-me-change-me-change-me-change-me' }),
    /looks like a placeholder/,
  );
  const services = { DATABASE_URL: 'postgres://op@db:5432/op', REDIS_URL: 'redis://cache:6379' };
  assert.equal(loadConfig({ ...prod, ...good, ...services }).production, true);
});

test('real services with NODE_ENV unset get the production rules, and start-up says so', () => {
  for (const services of [
    { DATABASE_URL: 'postgres://op@db:5432/op' },
    { REDIS_URL: 'redis://cache:6379' },
    { DATABASE_URL: 'postgres://op@db:5432/op', REDIS_URL: 'redis://cache:6379' },
  ]) {
    const message = problemsOf(services);
    assert.match(message, /KEYS_ENCRYPTION_SECRET is required in production/);
    assert.match(message, /ISSUER is required in production/);
    assert.match(
      message,
      /NODE_ENV is not set and DATABASE_URL or REDIS_URL is: production rules apply/,
    );
  }
  const both = { DATABASE_URL: 'postgres://op@db:5432/op', REDIS_URL: 'redis://cache:6379' };
  assert.match(
    problemsOf({ ...both, ...good, KEYS_ENCRYPTION_SECRET: 'changeme-changeme-changeme-changeme' }),
    /KEYS_ENCRYPTION_SECRET looks like a placeholder/,
  );
  const config = loadConfig({ ...both, ...good });
  assert.equal(config.production, true);
  assert.ok(
    config.warnings.some((w) => /production rules apply/.test(w)),
    'start-up says so',
  );
  // Stated development keeps the development defaults; the embedded default needs no statement.
  const stated = loadConfig({ ...both, NODE_ENV: 'development' });
  assert.equal(stated.production, false);
  assert.equal(loadConfig({}).production, false);
});

test('production requires an https issuer', () => {
  assert.match(
    problemsOf({ NODE_ENV: 'production', ...good, ISSUER: 'http://id.example.org' }),
    /ISSUER must use https/,
  );
  assert.match(
    problemsOf({ NODE_ENV: 'production', KEYS_ENCRYPTION_SECRET: good.KEYS_ENCRYPTION_SECRET }),
    /ISSUER is required in production/,
  );
});

test('durations, cron and key periods are checked', () => {
  assert.match(
    problemsOf({ ACCESS_TOKEN_LIFESPAN: 'forever' }),
    /ACCESS_TOKEN_LIFESPAN must be a duration/,
  );
  assert.match(
    problemsOf({ KEY_ROTATION_CRON: 'every day' }),
    /KEY_ROTATION_CRON must be a cron expression/,
  );
  assert.match(
    problemsOf({ KEY_PREPUBLISH_PERIOD: '40d' }),
    /KEY_PREPUBLISH_PERIOD must be shorter/,
  );
  assert.match(
    problemsOf({ KEY_RETENTION_PERIOD: '30m' }),
    /KEY_RETENTION_PERIOD must be at least as long/,
  );
  assert.match(problemsOf({ PORT: 'eighty' }), /PORT/);
  assert.match(
    problemsOf({ ACCESS_TOKEN_SIGNING_ALG: 'ES256', SIGNING_ALGS: 'RS256' }),
    /ACCESS_TOKEN_SIGNING_ALG ES256 must be one of SIGNING_ALGS \(RS256\)/,
  );
  assert.match(
    problemsOf({ ACCESS_TOKEN_SIGNING_ALG: 'HS256' }),
    /ACCESS_TOKEN_SIGNING_ALG must be one of RS256, PS256, ES256, EdDSA/,
  );
  assert.match(
    problemsOf({ ACCESS_TOKEN_LIFESPAN: '0' }),
    /ACCESS_TOKEN_LIFESPAN must be longer than 0/,
  );
  assert.match(
    problemsOf({ DATABASE_URL: 'mysql://x' }),
    /DATABASE_URL must be an absolute URL with scheme postgres:/,
  );
});

test('several problems are reported together', () => {
  const message = problemsOf({ ISSUER: 'nope', SIGNING_ALGS: 'none' });
  assert.match(message, /ISSUER/);
  assert.match(message, /SIGNING_ALGS/);
});

test('production requires Postgres and Redis: the embedded default is for development', () => {
  const message = problemsOf({ NODE_ENV: 'production', ...good });
  assert.match(message, /DATABASE_URL is required in production/);
  assert.match(message, /REDIS_URL is required in production/);
});

test('the demo seed: only on the embedded default, outside production, unless DEMO_SEED=off', () => {
  assert.equal(loadConfig({}).demoSeed, true);
  assert.equal(loadConfig({ NODE_ENV: 'test' }).demoSeed, true);
  assert.equal(loadConfig({ DEMO_SEED: 'off' }).demoSeed, false);
  const services = { DATABASE_URL: 'postgres://db/op', REDIS_URL: 'redis://cache:6379' };
  assert.equal(
    loadConfig({ NODE_ENV: 'development', ...services }).demoSeed,
    false,
    'never on real services',
  );
  assert.equal(loadConfig({ NODE_ENV: 'production', ...good, ...services }).demoSeed, false);
  assert.match(problemsOf({ DEMO_SEED: 'on' }), /DEMO_SEED must be auto or off/);
});

test('registration is off by default; its modes and tokens are checked', () => {
  assert.deepEqual(loadConfig({}).registration, {
    mode: 'off',
    initialAccessTokens: [],
    addressMax: 20,
    addressWindow: 3_600_000,
  });
  assert.match(problemsOf({ REGISTRATION_ADDRESS_MAX: '-1' }), /REGISTRATION_ADDRESS_MAX/);
  assert.match(
    problemsOf({ REGISTRATION_ADDRESS_WINDOW: '0' }),
    /REGISTRATION_ADDRESS_WINDOW must be at least 1s/,
  );
  assert.match(problemsOf({ REGISTRATION_MODE: 'anyone' }), /REGISTRATION_MODE must be one of/);
  assert.match(
    problemsOf({ REGISTRATION_MODE: 'initial_access_token' }),
    /REGISTRATION_INITIAL_ACCESS_TOKENS must list at least one token/,
  );
  assert.match(
    problemsOf({ REGISTRATION_INITIAL_ACCESS_TOKENS: 'short' }),
    /Each REGISTRATION_INITIAL_ACCESS_TOKENS entry must be at least 32/,
  );
  const token = 't'.repeat(32);
  assert.deepEqual(
    loadConfig({
      REGISTRATION_MODE: 'initial_access_token',
      REGISTRATION_INITIAL_ACCESS_TOKENS: ` ${token} ,, ${token}x `,
    }).registration.initialAccessTokens,
    [token, `${token}x`],
  );
});

test('the admin client needs both variables and a strong secret', () => {
  assert.equal(loadConfig({}).adminClient, undefined);
  assert.match(problemsOf({ ADMIN_CLIENT_ID: 'admin' }), /must be set together/);
  assert.match(
    problemsOf({ ADMIN_CLIENT_ID: 'admin', ADMIN_CLIENT_SECRET: 'short' }),
    /ADMIN_CLIENT_SECRET must be at least 32/,
  );
  assert.match(
    problemsOf({ ADMIN_CLIENT_ID: 'bad id', ADMIN_CLIENT_SECRET: 's'.repeat(32) }),
    /ADMIN_CLIENT_ID must be 1 to 200 visible ASCII/,
  );
  assert.match(
    problemsOf({
      ...good,
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://db/x',
      REDIS_URL: 'redis://r',
      ADMIN_CLIENT_ID: 'admin',
      ADMIN_CLIENT_SECRET: 'changeme-changeme-changeme-changeme',
    }),
    /ADMIN_CLIENT_SECRET looks like a placeholder/,
  );
  const secret = 'Zq8v0aLx3mW1pT9r2YdK4nB7cE5fG6hJ';
  assert.deepEqual(
    loadConfig({ ADMIN_CLIENT_ID: 'admin', ADMIN_CLIENT_SECRET: secret }).adminClient,
    {
      clientId: 'admin',
      secret,
    },
  );
});

test('sessions, regulation and TOTP default to Authelia', () => {
  const c = loadConfig({});
  assert.deepEqual(c.session, {
    cookieName: 'op_session',
    expiration: 3_600_000,
    inactivity: 300_000,
    rememberMe: 30 * 86_400_000,
  });
  assert.deepEqual(c.regulation, {
    maxRetries: 3,
    findTime: 120_000,
    banTime: 300_000,
    addressMaxFailures: 20,
  });
  assert.deepEqual(c.totp, {
    issuer: 'localhost',
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    skew: 1,
  });
  assert.equal(loadConfig({ ISSUER: 'https://id.example.org/x' }).totp.issuer, 'id.example.org');
  const set = loadConfig({
    SESSION_COOKIE_NAME: 'sid',
    SESSION_INACTIVITY: '0',
    SESSION_REMEMBER_ME: '0',
    REGULATION_MAX_RETRIES: '0',
    TOTP_ISSUER: 'Example Corp',
    TOTP_ALGORITHM: 'sha256',
    TOTP_DIGITS: '8',
    TOTP_PERIOD: '60',
    TOTP_SKEW: '0',
  });
  assert.equal(set.session.cookieName, 'sid');
  assert.equal(set.session.inactivity, 0);
  assert.equal(set.session.rememberMe, 0);
  assert.equal(set.regulation.maxRetries, 0);
  assert.deepEqual(set.totp, {
    issuer: 'Example Corp',
    algorithm: 'SHA256',
    digits: 8,
    period: 60,
    skew: 0,
  });
});

test('session, regulation and TOTP settings are checked', () => {
  assert.match(problemsOf({ SESSION_COOKIE_NAME: 'a b' }), /SESSION_COOKIE_NAME must be 1 to 64/);
  assert.match(problemsOf({ SESSION_COOKIE_NAME: 'x;y' }), /SESSION_COOKIE_NAME/);
  assert.match(problemsOf({ SESSION_EXPIRATION: '0' }), /SESSION_EXPIRATION must be at least 1s/);
  assert.match(problemsOf({ SESSION_INACTIVITY: 'soon' }), /SESSION_INACTIVITY must be a duration/);
  assert.match(
    problemsOf({ SESSION_REMEMBER_ME: '30m' }),
    /SESSION_REMEMBER_ME must be longer than SESSION_EXPIRATION/,
  );
  assert.match(
    problemsOf({ SESSION_COOKIE_NAME: '__Host-op', ISSUER: 'https://id.example.org/op' }),
    /__Host- prefix needs an https ISSUER without a path/,
  );
  assert.match(
    problemsOf({ SESSION_COOKIE_NAME: '__Secure-op', ISSUER: 'http://id.example.org' }),
    /__Secure- prefix needs an https ISSUER/,
  );
  assert.equal(
    loadConfig({ SESSION_COOKIE_NAME: '__Host-op', ISSUER: 'https://id.example.org' }).session
      .cookieName,
    '__Host-op',
  );
  assert.match(problemsOf({ TRUST_PROXY: '*' }), /TRUST_PROXY: "\*" is not an address/);
  assert.equal(loadConfig({}).trustProxy, undefined, 'no proxy is trusted by default');
  assert.deepEqual(loadConfig({ TRUST_PROXY: '10.0.0.0/8' }).trustProxy, ['10.0.0.0/8']);
  assert.match(problemsOf({ REGULATION_MAX_RETRIES: '-1' }), /REGULATION_MAX_RETRIES/);
  assert.match(problemsOf({ REGULATION_MAX_RETRIES: 'three' }), /REGULATION_MAX_RETRIES/);
  assert.match(
    problemsOf({ REGULATION_FIND_TIME: '10m' }),
    /REGULATION_FIND_TIME must not be longer than REGULATION_BAN_TIME/,
  );
  assert.match(problemsOf({ REGULATION_BAN_TIME: '0' }), /REGULATION_BAN_TIME must be at least 1s/);
  assert.doesNotThrow(() =>
    loadConfig({
      REGULATION_MAX_RETRIES: '0',
      REGULATION_ADDRESS_MAX_FAILURES: '0',
      REGULATION_BAN_TIME: '0',
    }),
  );
  const defaults = loadConfig({});
  assert.deepEqual(defaults.clientRegulation, {
    maxRetries: 10,
    addressMaxFailures: 50,
    findTime: 120_000,
    banTime: 300_000,
  });
  assert.deepEqual(defaults.clientAuth, {
    debugMessages: false,
    assertionMaxLifespan: 3_600_000,
    assertionAudience: 'compatible',
  });
  assert.match(
    problemsOf({ CLIENT_REGULATION_MAX_RETRIES: '-1' }),
    /CLIENT_REGULATION_MAX_RETRIES/,
  );
  assert.match(
    problemsOf({ CLIENT_REGULATION_FIND_TIME: '10m' }),
    /CLIENT_REGULATION_FIND_TIME must not be longer than CLIENT_REGULATION_BAN_TIME/,
  );
  assert.match(
    problemsOf({ CLIENT_REGULATION_BAN_TIME: '0', CLIENT_REGULATION_FIND_TIME: '0' }),
    /CLIENT_REGULATION_BAN_TIME must be at least 1s/,
  );
  assert.match(
    problemsOf({ ENABLE_CLIENT_DEBUG_MESSAGES: 'yes' }),
    /ENABLE_CLIENT_DEBUG_MESSAGES must be true or false/,
  );
  assert.match(
    problemsOf({ CLIENT_ASSERTION_MAX_LIFESPAN: '2d' }),
    /CLIENT_ASSERTION_MAX_LIFESPAN must be from 10s to 24h/,
  );
  assert.match(
    problemsOf({ CLIENT_ASSERTION_AUDIENCE: 'loose' }),
    /CLIENT_ASSERTION_AUDIENCE must be compatible or strict/,
  );
  assert.equal(
    loadConfig({ CLIENT_ASSERTION_AUDIENCE: 'strict' }).clientAuth.assertionAudience,
    'strict',
  );
  assert.match(problemsOf({ TOTP_ALGORITHM: 'MD5' }), /TOTP_ALGORITHM must be one of SHA1/);
  assert.match(problemsOf({ TOTP_DIGITS: '7' }), /TOTP_DIGITS must be 6 or 8/);
  assert.match(problemsOf({ TOTP_PERIOD: '5' }), /TOTP_PERIOD/);
  assert.match(problemsOf({ TOTP_SKEW: '11' }), /TOTP_SKEW/);
  assert.match(problemsOf({ TOTP_ISSUER: 'a:b' }), /TOTP_ISSUER must be 1 to 100/);
});

test('.env.example, docker-compose.yml and docs/configuration.md name every variable', () => {
  // The unit specs run from the repository root.
  const files = ['.env.example', 'docker-compose.yml', 'docs/configuration.md'].map((f) => ({
    file: f,
    text: readFileSync(f, 'utf8'),
  }));
  const missing = environmentVariableNames().flatMap((name) =>
    files
      // Compose always sets DATABASE_URL, so the embedded database's folder has no use there.
      .filter(({ file }) => !(name === 'DATA_DIR' && file === 'docker-compose.yml'))
      .filter(({ text }) => !new RegExp(`(^|[^A-Z_])${name}([^A-Z_]|$)`, 'm').test(text))
      .map(({ file }) => `${name} in ${file}`),
  );
  assert.deepEqual(missing, []);
});

test("the pages' branding: defaults, and each bad PAGES_* setting named", () => {
  const pages = loadConfig({}).pages;
  assert.deepEqual(pages, {
    productName: 'Single sign-on',
    primaryColor: '#2457c5',
    logoFile: undefined,
    faviconFile: undefined,
    customCssFile: undefined,
    templatesDir: undefined,
  });
  assert.equal(loadConfig({ PAGES_PRIMARY_COLOR: '#0B7A3E' }).pages.primaryColor, '#0b7a3e');
  assert.match(problemsOf({ PAGES_PRIMARY_COLOR: 'red' }), /PAGES_PRIMARY_COLOR must be a colour/);
  assert.match(
    problemsOf({ PAGES_PRODUCT_NAME: 'a'.repeat(61) }),
    /PAGES_PRODUCT_NAME must be 1 to 60/,
  );
  assert.match(
    problemsOf({ PAGES_LOGO_FILE: '/nonexistent/logo.svg' }),
    /PAGES_LOGO_FILE must name an existing file \(got "\/nonexistent\/logo.svg"\)/,
  );
  assert.match(
    problemsOf({ PAGES_FAVICON_FILE: 'package.json' }),
    /PAGES_FAVICON_FILE must be an image/,
  );
  assert.match(
    problemsOf({ PAGES_CUSTOM_CSS_FILE: 'src' }),
    /PAGES_CUSTOM_CSS_FILE must name an existing file/,
  );
  assert.match(
    problemsOf({ PAGES_TEMPLATES_DIR: 'package.json' }),
    /PAGES_TEMPLATES_DIR must name an existing folder/,
  );
});

test('secrets from files: NAME_FILE, its final line break dropped; both set or unreadable is named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'op-secret-'));
  try {
    const file = join(dir, 'keys-secret');
    writeFileSync(file, 'a-secret-from-a-docker-secret-file-0123456789\n');
    const config = loadConfig({ KEYS_ENCRYPTION_SECRET_FILE: file });
    assert.equal(config.keys.encryptionSecret, 'a-secret-from-a-docker-secret-file-0123456789');
    assert.match(
      problemsOf({ KEYS_ENCRYPTION_SECRET_FILE: file, KEYS_ENCRYPTION_SECRET: 'x'.repeat(40) }),
      /KEYS_ENCRYPTION_SECRET and KEYS_ENCRYPTION_SECRET_FILE are both set/,
    );
    const missing = problemsOf({ DATABASE_URL_FILE: join(dir, 'nothing-here') });
    assert.match(missing, /DATABASE_URL_FILE: cannot read ".*nothing-here" \(ENOENT\)/);
    // Only secrets have a _FILE form: anything else is read as it is.
    assert.equal(loadConfig({ PORT_FILE: file }).port, 8080);
    // A file's content is checked like the variable, and never quoted in the message.
    writeFileSync(file, 'mysql://not-postgres');
    const wrong = problemsOf({ DATABASE_URL_FILE: file });
    assert.match(wrong, /DATABASE_URL/);
    assert.doesNotMatch(wrong, /not-postgres/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
