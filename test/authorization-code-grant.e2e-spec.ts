import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import type { CodeGrant } from '../src/authorization/authorization-codes.js';
import type { User } from '../src/users/user.entity.js';
import { UsersService } from '../src/users/users.service.js';
import { basicAuth, postForm, registerClient } from './support/clients.js';
import { MovableClock } from './support/clock.js';
import { CODE_REDIRECT_URI as CB, codeGrant, mintCode, redeemCode } from './support/codes.js';
import {
  createStorage,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

/**
 * The token side of the code flow. Codes are minted here exactly as `/authorize` mints them
 * (through AuthorizationCodes), so every check at `/token` is shown on its own.
 */
describe(`authorization_code grant on ${target}`, { timeout: 120_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  let user: User;
  let web: { clientId: string; secret?: string };
  let other: { clientId: string; secret?: string };
  let pairwise: { clientId: string; secret?: string };
  const token = () => `${provider.url}/token`;
  /** The provider's: tests move it past a code's lifetime instead of sleeping. */
  const clock = new MovableClock();

  before(async () => {
    storage = await createStorage();
    provider = await startProvider(storage.env, { clock });
    user = await provider.app.get(UsersService).create({
      username: `alice-${randomBytes(3).toString('hex')}`,
      password: 'correct horse battery staple',
      claims: { name: 'Alice Liddell', email: 'alice@example.com', email_verified: true },
      groups: ['readers'],
      origin: 'admin',
    });
    const webMetadata = {
      redirect_uris: [CB],
      grant_types: ['authorization_code'],
      scope: 'openid profile email',
      token_endpoint_auth_method: 'client_secret_post',
    };
    web = await registerClient(provider.app, webMetadata);
    other = await registerClient(provider.app, webMetadata);
    pairwise = await registerClient(provider.app, { ...webMetadata, subject_type: 'pairwise' });
  });
  after(async () => {
    await provider?.close();
    await storage?.dispose();
  });

  const grant = (clientId: string, overrides: Partial<CodeGrant> = {}) =>
    codeGrant(clientId, user.id, overrides);
  const mint = (g: CodeGrant, lifetimeMs?: number) => mintCode(provider, g, lifetimeMs);
  const redeem = (
    client: { clientId: string; secret?: string },
    code: string,
    extra: Record<string, string> = {},
  ) => redeemCode(provider, client, code, extra);

  test('openid-client redeems a code with PKCE: the ID token and access token it validates', async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    const challenge = await oidc.calculatePKCECodeChallenge(verifier);
    const code = await mint(
      grant(web.clientId, {
        codeChallenge: challenge,
        codeChallengeMethod: 'S256',
      }),
    );
    const config = await oidc.discovery(
      new URL(provider.config.issuer),
      web.clientId,
      undefined,
      oidc.ClientSecretPost(web.secret),
      { execute: [oidc.allowInsecureRequests] },
    );
    // RFC 9207: discovery promises `iss` in the response, and openid-client checks it.
    const callback = new URL(
      `${CB}?code=${code}&state=state-12345678&iss=${encodeURIComponent(provider.config.issuer)}`,
    );
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: 'state-12345678',
      expectedNonce: 'nonce-for-the-id-token',
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    assert.equal(claims.iss, provider.config.issuer);
    assert.equal(claims.sub, user.id);
    assert.equal(claims.aud, web.clientId);
    assert.equal(claims.azp, web.clientId);
    assert.equal(claims.nonce, 'nonce-for-the-id-token');
    assert.equal(claims.acr, 'one_factor');
    assert.deepEqual(claims.amr, ['pwd']);
    assert.equal(claims.sid, 'a-session-id');
    assert.equal(typeof claims.auth_time, 'number');
    assert.ok(claims.at_hash, 'at_hash binds the access token');
    assert.equal(claims.email, 'alice@example.com', 'scope claims are in the ID token too');
    assert.equal(tokens.scope, 'openid email');
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');

    const idHeader = decodeProtectedHeader(tokens.id_token!);
    assert.equal(idHeader.alg, 'RS256');
    assert.ok(idHeader.kid);
    const jwks = createRemoteJWKSet(new URL(`${provider.url}/jwks`));
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, {
      issuer: provider.config.issuer,
      typ: 'at+jwt',
    });
    assert.equal(protectedHeader.typ, 'at+jwt');
    assert.equal(payload.sub, user.id);
    assert.equal(payload.client_id, web.clientId);
    assert.equal(payload.scope, 'openid email');
    assert.equal(payload.acr, 'one_factor');
  });

  test('auth_time though nobody asked for it; claims asked for in the ID token are there', async () => {
    const authTime = Math.floor(Date.now() / 1000) - 60;
    const plain = await redeem(web, await mint(grant(web.clientId, { authTime })));
    assert.equal(plain.status, 200, JSON.stringify(plain.body));
    const plainClaims = JSON.parse(
      Buffer.from((plain.body.id_token as string).split('.')[1], 'base64url').toString(),
    ) as Record<string, unknown>;
    assert.equal(plainClaims.auth_time, authTime, 'in every ID token, as a refreshed one has it');

    const asked = await redeem(
      web,
      await mint(
        grant(web.clientId, {
          claims: { id_token: { email: { essential: true }, auth_time: {} } },
        }),
      ),
    );
    const askedClaims = JSON.parse(
      Buffer.from((asked.body.id_token as string).split('.')[1], 'base64url').toString(),
    ) as Record<string, unknown>;
    assert.equal(askedClaims.email, 'alice@example.com');
    assert.equal(typeof askedClaims.auth_time, 'number');
  });

  test('a code used twice: 400 invalid_grant, and the first access token is revoked', async () => {
    const code = await mint(grant(web.clientId));
    const first = await redeem(web, code);
    assert.equal(first.status, 200);
    const introspect = async (caller = web) =>
      (
        await postForm(`${provider.url}/introspect`, {
          token: first.body.access_token as string,
          client_id: caller.clientId,
          client_secret: caller.secret!,
        })
      ).body;
    assert.deepEqual(await introspect(other), { active: false }, 'RFC 7662 §4: not its token');
    assert.equal((await introspect()).active, true);
    const second = await redeem(web, code);
    assert.equal(second.status, 400);
    assert.equal(second.body.error, 'invalid_grant');
    assert.match(String(second.body.error_description), /already used/);
    assert.equal((await introspect()).active, false, 'revoked by the replay');
  });

  test('another client presenting a code neither spends it nor revokes what it issued', async () => {
    const code = await mint(grant(web.clientId));
    const stranger = async () => {
      const res = await redeem(other, code);
      assert.equal(res.status, 400);
      assert.equal(res.body.error, 'invalid_grant');
      assert.match(String(res.body.error_description), /another client/);
    };
    await stranger();
    const own = await redeem(web, code);
    assert.equal(own.status, 200, 'the code still works for the client it was issued to');
    await stranger();
    const introspection = await postForm(`${provider.url}/introspect`, {
      token: own.body.access_token as string,
      client_id: web.clientId,
      client_secret: web.secret!,
    });
    assert.equal(introspection.body.active, true, 'a stranger cannot revoke by replaying');
  });

  test('each broken binding is invalid_grant, never a token', async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const pkce = { codeChallenge: challenge, codeChallengeMethod: 'S256' as const };
    const cases: [
      string,
      () => Promise<{ status: number; body: Record<string, unknown> }>,
      RegExp,
    ][] = [
      [
        'a code of client A redeemed by client B',
        async () => redeem(other, await mint(grant(web.clientId))),
        /another client/,
      ],
      [
        'a different redirect_uri',
        async () => redeem(web, await mint(grant(web.clientId)), { redirect_uri: `${CB}/x` }),
        /redirect_uri/,
      ],
      [
        'no redirect_uri though the request had one',
        async () => {
          const code = await mint(grant(web.clientId));
          return postForm(token(), {
            grant_type: 'authorization_code',
            code,
            client_id: web.clientId,
            client_secret: web.secret!,
          });
        },
        /redirect_uri/,
      ],
      [
        'a wrong code_verifier',
        async () =>
          redeem(web, await mint(grant(web.clientId, pkce)), {
            code_verifier: oidc.randomPKCECodeVerifier(),
          }),
        /does not match/,
      ],
      [
        'no code_verifier',
        async () => redeem(web, await mint(grant(web.clientId, pkce))),
        /code_verifier is required/,
      ],
      [
        'a malformed code_verifier',
        async () => redeem(web, await mint(grant(web.clientId, pkce)), { code_verifier: 'short' }),
        /43 to 128/,
      ],
      [
        'a code_verifier without a challenge',
        async () => redeem(web, await mint(grant(web.clientId)), { code_verifier: verifier }),
        /had no PKCE/,
      ],
      [
        'an unknown code',
        async () => redeem(web, randomBytes(32).toString('base64url')),
        /invalid or has expired/,
      ],
      ['a malformed code', async () => redeem(web, 'not a code'), /invalid or has expired/],
      [
        'an expired code',
        async () => {
          const code = await mint(grant(web.clientId), 300);
          clock.advance(500);
          return redeem(web, code);
        },
        /invalid or has expired/,
      ],
    ];
    for (const [name, run, pattern] of cases) {
      const res = await run();
      assert.equal(res.status, 400, `${name}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error, 'invalid_grant', name);
      assert.match(String(res.body.error_description), pattern, name);
      assert.equal(res.body.access_token, undefined);
    }
    const missing = await postForm(token(), {
      grant_type: 'authorization_code',
      client_id: web.clientId,
      client_secret: web.secret!,
    });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error, 'invalid_request');
  });

  test('a disabled user gets no tokens from a code issued before', async () => {
    const users = provider.app.get(UsersService);
    const bob = await users.create({
      username: `bob-${randomBytes(3).toString('hex')}`,
      claims: {},
      origin: 'admin',
    });
    const code = await mint(grant(web.clientId, { userId: bob.id }));
    await users.setDisabled(bob.id, true);
    const res = await redeem(web, code);
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_grant');
  });

  test('a pairwise client sees its own stable subject, not the user id', async () => {
    const subOf = async () => {
      const res = await redeem(pairwise, await mint(grant(pairwise.clientId)));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return (
        JSON.parse(
          Buffer.from((res.body.id_token as string).split('.')[1], 'base64url').toString(),
        ) as { sub: string }
      ).sub;
    };
    const first = await subOf();
    assert.notEqual(first, user.id);
    assert.match(first, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(await subOf(), first);
  });

  test('the claims of the granted scopes are in the ID token by default (Core §5.4); a client can keep them to UserInfo', async () => {
    const claims = await idTokenOf(provider, {});
    assert.equal(claims.email, 'gina@example.com');
    assert.equal(claims.email_verified, true);
    assert.equal(claims.name, undefined, 'profile was not granted');
    const minimal = await idTokenOf(provider, { id_token_scope_claims: false });
    assert.equal(minimal.email, undefined, 'the client keeps them in UserInfo only');
    assert.equal(typeof minimal.sub, 'string');
  });

  test('a client without the grant is unauthorized_client', async () => {
    const machine = await registerClient(provider.app, { grant_types: ['client_credentials'] });
    const res = await postForm(
      token(),
      { grant_type: 'authorization_code', code: randomBytes(32).toString('base64url') },
      { authorization: basicAuth(machine.clientId, machine.secret!) },
    );
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'unauthorized_client');
  });
});

const idTokenClaims = (body: Record<string, unknown>) =>
  JSON.parse(
    Buffer.from((body.id_token as string).split('.')[1], 'base64url').toString(),
  ) as Record<string, unknown>;

/** A code for `openid email` redeemed by a client with `extra` metadata; the ID token's claims. */
async function idTokenOf(provider: RunningProvider, extra: Record<string, unknown>) {
  const user = await provider.app.get(UsersService).create({
    username: `gina-${randomBytes(3).toString('hex')}`,
    claims: { name: 'Gina', email: 'gina@example.com', email_verified: true },
    origin: 'admin',
  });
  const client = await registerClient(provider.app, {
    redirect_uris: [CB],
    grant_types: ['authorization_code'],
    scope: 'openid profile email',
    token_endpoint_auth_method: 'client_secret_post',
    ...extra,
  });
  const code = await mintCode(
    provider,
    codeGrant(client.clientId, user.id, { scope: ['openid', 'email'] }),
  );
  const res = await redeemCode(provider, client, code);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return idTokenClaims(res.body);
}

describe(`ID_TOKEN_SCOPE_CLAIMS=false on ${target}`, { timeout: 120_000 }, () => {
  test('the server default off keeps the scope claims to UserInfo; a client can still ask for them', async () => {
    const storage = await createStorage();
    const provider = await startProvider({ ...storage.env, ID_TOKEN_SCOPE_CLAIMS: 'false' });
    try {
      assert.equal((await idTokenOf(provider, {})).email, undefined, 'the server default off');
      const opted = await idTokenOf(provider, { id_token_scope_claims: true });
      assert.equal(opted.email, 'gina@example.com', 'the client asked for them');
    } finally {
      await provider.close();
      await storage.dispose();
    }
  });
});
