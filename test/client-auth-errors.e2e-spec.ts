import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pbkdf2Sync, randomBytes, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import * as oidc from 'openid-client';
import { basicAuth, postForm, registerClient } from './support/clients.js';
import { MovableClock } from './support/clock.js';
import { createStorage, startProvider, target, type RunningProvider } from './support/provider.js';

const FAILED = { error: 'invalid_client', error_description: 'Client authentication failed' };
const LIMITED = {
  error: 'invalid_client',
  error_description: 'Too many failed client authentications; try again later',
};
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** An imported slow digest in Authelia's format (passlib's adapted base64). */
function pbkdf2Digest(secret: string, iterations = 20_000): string {
  const ab64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '').replace(/\+/g, '.');
  const salt = randomBytes(16);
  const hash = pbkdf2Sync(secret, salt, iterations, 64, 'sha512');
  return `$pbkdf2-sha512$${iterations}$${ab64(salt)}$${ab64(hash)}`;
}

/** A provider with its own store, clock and log, and a private_key_jwt client on it. */
async function startWithAssertionClient(env: Record<string, string>) {
  const storage = await createStorage();
  const clock = new MovableClock();
  const logLines: string[] = [];
  const provider = await startProvider({ ...storage.env, ...env }, { clock, logLines });
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  const keyClient = await registerClient(provider.app, {
    grant_types: ['client_credentials'],
    scope: 'reports:read',
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'ES256',
    jwks: { keys: [jwk] },
  });
  /** A token request authenticated by an assertion with these claims (iat/exp from the clock). */
  const withAssertion = async (claims: Record<string, unknown>, key: CryptoKey = privateKey) => {
    const now = Math.floor(clock.now() / 1000);
    const assertion = await new SignJWT({
      iss: keyClient.clientId,
      sub: keyClient.clientId,
      aud: provider.config.issuer,
      jti: randomUUID(),
      iat: now,
      exp: now + 60,
      ...claims,
    })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .sign(key);
    return {
      assertion,
      post: () =>
        postForm(`${provider.url}/token`, {
          grant_type: 'client_credentials',
          client_assertion_type: JWT_BEARER,
          client_assertion: assertion,
        }),
    };
  };
  return { storage, clock, logLines, provider, privateKey, keyClient, withAssertion };
}

type Started = Awaited<ReturnType<typeof startWithAssertionClient>>;

describe(`client authentication errors and limits on ${target}`, { timeout: 120_000 }, () => {
  /** Default settings. */
  let plain: Started;
  /** ENABLE_CLIENT_DEBUG_MESSAGES, the strict assertion audience and low failure limits. */
  let tuned: Started;
  let basicClient: { clientId: string; secret?: string };

  before(async () => {
    tuned = await startWithAssertionClient({
      ENABLE_CLIENT_DEBUG_MESSAGES: 'true',
      CLIENT_ASSERTION_AUDIENCE: 'strict',
      CLIENT_REGULATION_MAX_RETRIES: '3',
      CLIENT_REGULATION_ADDRESS_MAX_FAILURES: '5',
      CLIENT_REGULATION_FIND_TIME: '2m',
      CLIENT_REGULATION_BAN_TIME: '5m',
      // Each test speaks from its own address, so one test's failures do not ban another's.
      TRUST_PROXY: 'loopback',
    });
    // Started last: Nest's Logger is process-wide and writes to the last application's log.
    plain = await startWithAssertionClient({});
    basicClient = await registerClient(plain.provider.app, {
      grant_types: ['client_credentials'],
      scope: 'reports:read',
      token_endpoint_auth_method: 'client_secret_basic',
    });
  });
  after(async () => {
    await Promise.allSettled([plain?.provider.close(), tuned?.provider.close()]);
    await Promise.allSettled([plain?.storage.dispose(), tuned?.storage.dispose()]);
  });

  const token = (
    provider: RunningProvider,
    headers: Record<string, string>,
    body: Record<string, string> = {},
  ) => postForm(`${provider.url}/token`, { grant_type: 'client_credentials', ...body }, headers);

  describe('one answer whatever the cause (the reason is logged)', () => {
    test('unknown client, wrong secret, wrong method, bad assertion: the same description', async () => {
      const { provider, logLines, withAssertion } = plain;
      const stranger = (await generateKeyPair('ES256')).privateKey;
      const answers = {
        unknown: await token(provider, { authorization: basicAuth('no-such-client', 'x') }),
        wrongSecret: await token(provider, {
          authorization: basicAuth(basicClient.clientId, 'wrong-secret-value'),
        }),
        wrongMethod: await token(
          provider,
          {},
          { client_id: basicClient.clientId, client_secret: basicClient.secret! },
        ),
        noneForConfidential: await token(provider, {}, { client_id: basicClient.clientId }),
        strangerKey: await (await withAssertion({}, stranger)).post(),
        expired: await (
          await withAssertion({ exp: Math.floor(plain.clock.now() / 1000) - 60 })
        ).post(),
      };
      for (const [cause, res] of Object.entries(answers)) {
        assert.deepEqual(
          { status: res.status, body: res.body },
          { status: 401, body: FAILED },
          cause,
        );
      }
      assert.equal(
        answers.wrongSecret.headers.get('www-authenticate'),
        'Basic realm="openid-provider"',
      );

      const log = logLines.join('\n');
      assert.match(
        log,
        /Client authentication failed for an unknown client: no client has this client_id/,
      );
      assert.doesNotMatch(log, /no-such-client/, 'an unknown id is not logged: it may be a typo');
      assert.match(
        log,
        new RegExp(`failed for client ${basicClient.clientId}: the secret does not match`),
      );
      assert.match(
        log,
        new RegExp(
          `failed for client ${basicClient.clientId}: the client is registered for client_secret_basic, not client_secret_post`,
        ),
      );
      assert.match(log, /client_assertion is not signed by one of the client's registered keys/);
      assert.match(log, /client_assertion has expired/);
      assert.doesNotMatch(log, /wrong-secret-value/);
      assert.doesNotMatch(log, new RegExp(basicClient.secret!.replace(/[.~-]/g, '\\$&')));
    });

    test('ENABLE_CLIENT_DEBUG_MESSAGES puts the reason in the answer', async () => {
      const { provider } = tuned;
      const client = await registerClient(provider.app, {
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
      });
      const wrongMethod = await token(
        provider,
        { 'x-forwarded-for': '198.51.100.10' },
        { client_id: client.clientId, client_secret: client.secret! },
      );
      assert.deepEqual(wrongMethod.body, {
        error: 'invalid_client',
        error_description:
          'the client is registered for client_secret_basic, not client_secret_post',
      });
      const unknown = await token(provider, {
        authorization: basicAuth('no-such-client', 'x'),
        'x-forwarded-for': '198.51.100.10',
      });
      assert.equal(unknown.status, 401);
      assert.equal(unknown.body.error_description, 'no client has this client_id');
    });

    test('request-shape errors keep their own descriptions', async () => {
      const none = await token(plain.provider, {});
      assert.equal(none.body.error_description, 'Client authentication is required');
      const garbage = await postForm(`${plain.provider.url}/token`, {
        grant_type: 'client_credentials',
        client_assertion_type: JWT_BEARER,
        client_assertion: 'garbage',
      });
      assert.equal(garbage.body.error_description, 'client_assertion is not a JWT');
    });
  });

  describe('client assertion lifetime (authlib signs for an hour)', () => {
    test('openid-client with exp = iat + 3600, as authlib sends, gets a token', async () => {
      const { provider, privateKey, keyClient } = plain;
      const config = await oidc.discovery(
        new URL(provider.config.issuer),
        keyClient.clientId,
        {},
        oidc.PrivateKeyJwt(
          { key: privateKey, kid: 'k1' },
          {
            [oidc.modifyAssertion]: (_header, payload) => {
              payload.exp = (payload.iat as number) + 3600;
            },
          },
        ),
        { execute: [oidc.allowInsecureRequests] },
      );
      const tokens = await oidc.clientCredentialsGrant(config, { scope: 'reports:read' });
      assert.equal(tokens.token_type.toLowerCase(), 'bearer');
      assert.ok(tokens.access_token);
    });

    test('an assertion valid for longer than CLIENT_ASSERTION_MAX_LIFESPAN is refused', async () => {
      const now = Math.floor(plain.clock.now() / 1000);
      const res = await (await plain.withAssertion({ exp: now + 3600 + 60 })).post();
      assert.deepEqual(res.body, FAILED);
      assert.match(plain.logLines.join('\n'), /client_assertion exp must be at most 3600 s ahead/);
    });

    test('its jti stays spent until its exp, and the assertion dies then', async () => {
      const now = Math.floor(plain.clock.now() / 1000);
      const hourLong = await plain.withAssertion({ exp: now + 3600 });
      assert.equal((await hourLong.post()).status, 200);
      plain.clock.advance(50 * 60_000);
      assert.deepEqual((await hourLong.post()).body, FAILED);
      assert.match(plain.logLines.join('\n'), /client_assertion has already been used/);
      plain.clock.advance(11 * 60_000);
      const late = await hourLong.post();
      assert.equal(late.status, 401);
      plain.clock.advance(-61 * 60_000);
    });

    test('iat in the future beyond the clock tolerance is refused; within it, accepted', async () => {
      const now = Math.floor(plain.clock.now() / 1000);
      const ahead = await (await plain.withAssertion({ iat: now + 120, exp: now + 180 })).post();
      assert.deepEqual(ahead.body, FAILED);
      assert.match(plain.logLines.join('\n'), /client_assertion iat is in the future/);
      const skewed = await (await plain.withAssertion({ iat: now + 3, exp: now + 60 })).post();
      assert.equal(skewed.status, 200);
    });
  });

  describe('client assertion audience', () => {
    const tokenEndpoint = (started: Started) => `${started.provider.config.issuer}/token`;

    test('compatible: the issuer, the token endpoint, or an array of only those', async () => {
      const issuer = plain.provider.config.issuer;
      for (const aud of [issuer, tokenEndpoint(plain), [issuer, tokenEndpoint(plain)]]) {
        const res = await (await plain.withAssertion({ aud })).post();
        assert.equal(res.status, 200, JSON.stringify(aud));
      }
    });

    test('compatible: an array that also names a foreign audience is refused', async () => {
      const issuer = plain.provider.config.issuer;
      for (const aud of [
        [issuer, 'https://api.other.example'],
        [tokenEndpoint(plain), 'https://other.example/token'],
        [],
        'https://other.example/token',
      ]) {
        const res = await (await plain.withAssertion({ aud })).post();
        assert.deepEqual({ status: res.status, body: res.body }, { status: 401, body: FAILED });
      }
      assert.match(
        plain.logLines.join('\n'),
        /client_assertion aud must name only the issuer, the token endpoint or the endpoint called/,
      );
    });

    test('strict: only the issuer identifier, as a single string', async () => {
      const issuer = tuned.provider.config.issuer;
      const address = { 'x-forwarded-for': '198.51.100.20' };
      const post = async (aud: unknown) =>
        postForm(
          `${tuned.provider.url}/token`,
          {
            grant_type: 'client_credentials',
            client_assertion_type: JWT_BEARER,
            client_assertion: (await tuned.withAssertion({ aud })).assertion,
          },
          address,
        );
      assert.equal((await post(issuer)).status, 200);
      for (const aud of [tokenEndpoint(tuned), [issuer]]) {
        const res = await post(aud);
        assert.deepEqual(res.body, {
          error: 'invalid_client',
          error_description:
            'client_assertion aud must be the issuer identifier, as a single string',
        });
      }
    });
  });

  describe('failed client authentications are limited (CLIENT_REGULATION_*)', () => {
    test('a slow-digest client: banned after its failures, 429 with Retry-After', async () => {
      const { provider, clock } = tuned;
      const secret = 'imported-secret-one';
      const client = await registerClient(
        provider.app,
        { grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic' },
        { secretDigest: pbkdf2Digest(secret) },
      );
      // Every failure from another address: the per-client count bans, not the address one.
      const from = (n: number, s: string) => ({
        authorization: basicAuth(client.clientId, s),
        'x-forwarded-for': `203.0.113.${n}`,
      });
      for (let n = 1; n <= 3; n++)
        assert.equal((await token(provider, from(n, `wrong-${n}`))).status, 401);
      const limited = await token(provider, from(4, 'wrong-4'));
      assert.deepEqual(
        { status: limited.status, body: limited.body },
        { status: 429, body: LIMITED },
      );
      const retryAfter = Number(limited.headers.get('retry-after'));
      assert.ok(retryAfter > 0 && retryAfter <= 300, `Retry-After ${retryAfter}`);
      // Its right secret was never checked here: that would cost the slow hash the ban saves.
      assert.equal((await token(provider, from(5, secret))).status, 429);
      clock.advance(5 * 60_000 + 1000);
      assert.equal((await token(provider, from(6, secret))).status, 200);
    });

    test('a client whose success is remembered, or whose secret is generated, is never locked out', async () => {
      const { provider } = tuned;
      const secret = 'imported-secret-two';
      const slow = await registerClient(
        provider.app,
        { grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic' },
        { secretDigest: pbkdf2Digest(secret) },
      );
      const generated = await registerClient(provider.app, {
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
      });
      const from = (n: number, id: string, s: string) => ({
        authorization: basicAuth(id, s),
        'x-forwarded-for': `203.0.113.${100 + n}`,
      });
      assert.equal((await token(provider, from(0, slow.clientId, secret))).status, 200);
      for (const c of [slow, generated]) {
        for (let n = 1; n <= 4; n++) await token(provider, from(n, c.clientId, `wrong-${n}`));
        assert.equal((await token(provider, from(5, c.clientId, 'wrong'))).status, 429);
      }
      assert.equal((await token(provider, from(6, slow.clientId, secret))).status, 200);
      assert.equal(
        (await token(provider, from(7, generated.clientId, generated.secret!))).status,
        200,
      );
    });

    test('an address that keeps failing is banned for every client it names', async () => {
      const { provider, clock } = tuned;
      const client = await registerClient(provider.app, {
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
      });
      const address = { 'x-forwarded-for': '192.0.2.77' };
      for (let n = 1; n <= 5; n++) {
        const res = await token(provider, {
          ...address,
          authorization: basicAuth(`ghost-${n}`, 'x'),
        });
        assert.equal(res.status, 401);
      }
      const banned = await token(provider, {
        ...address,
        authorization: basicAuth(client.clientId, 'wrong'),
      });
      assert.equal(banned.status, 429);
      assert.ok(Number(banned.headers.get('retry-after')) > 0);
      // The right, generated secret costs nothing to check, so it still passes.
      const right = await token(provider, {
        ...address,
        authorization: basicAuth(client.clientId, client.secret!),
      });
      assert.equal(right.status, 200);
      // Other addresses are not affected.
      const elsewhere = await token(provider, {
        'x-forwarded-for': '192.0.2.78',
        authorization: basicAuth(client.clientId, 'wrong'),
      });
      assert.equal(elsewhere.status, 401);
      clock.advance(5 * 60_000 + 1000);
      const after = await token(provider, {
        ...address,
        authorization: basicAuth(client.clientId, 'wrong'),
      });
      assert.equal(after.status, 401);
    });

    test('the limits count at introspection and revocation too', async () => {
      const { provider } = tuned;
      const client = await registerClient(provider.app, {
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
      });
      const from = (n: number) => ({
        authorization: basicAuth(client.clientId, `wrong-${n}`),
        'x-forwarded-for': `198.18.0.${n}`,
      });
      assert.equal(
        (await postForm(`${provider.url}/introspect`, { token: 'x' }, from(1))).status,
        401,
      );
      assert.equal((await postForm(`${provider.url}/revoke`, { token: 'x' }, from(2))).status, 401);
      assert.equal((await token(provider, from(3))).status, 401);
      const limited = await postForm(`${provider.url}/introspect`, { token: 'x' }, from(4));
      assert.equal(limited.status, 429);
      assert.deepEqual(limited.body, LIMITED);
    });
  });
});
