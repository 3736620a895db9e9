import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { ClientsService } from '../src/clients/clients.service.js';
import { AccessTokens } from '../src/token/access-tokens.js';
import { RefreshTokens } from '../src/token/refresh-tokens.js';
import type { User } from '../src/users/user.entity.js';
import { UsersService } from '../src/users/users.service.js';
import { postForm, registerClient } from './support/clients.js';
import { dpopKey, dpopProof } from './support/dpop.js';
import { MovableClock } from './support/clock.js';
import { CODE_REDIRECT_URI, codeGrant, mintCode, redeemCode } from './support/codes.js';
import {
  createStorage,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

type Client = { clientId: string; secret?: string };

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const ID_TOKEN = 'urn:ietf:params:oauth:token-type:id_token';
const REFRESH_TOKEN = 'urn:ietf:params:oauth:token-type:refresh_token';
const A = 'https://a.internal.example.com';
const B = 'https://b.internal.example.com';
const C = 'https://c.internal.example.com';

/**
 * RFC 8693 token exchange: a service holding a user's token gets a token for the next service,
 * acting for the user (`act`) or, where allowed, as the user; never wider than the subject
 * token, and ended with it.
 */
describe(`token exchange on ${target}`, { timeout: 120_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  let user: User;
  /** The web app the user signed in to; its tokens are addressed to service A. */
  let rp: Client;
  let serviceA: Client;
  let serviceB: Client;
  let serviceC: Client;
  /** May exchange without an actor, ID tokens too. */
  let impersonator: Client;
  /** Serves A's audience but is not registered for token exchange. */
  let noExchange: Client;
  /** Registered for token exchange, but cannot authenticate. */
  let publicClient: Client;
  const clock = new MovableClock();

  before(async () => {
    storage = await createStorage();
    provider = await startProvider(storage.env, { clock });
    user = await provider.app.get(UsersService).create({
      username: `tex-${randomBytes(3).toString('hex')}`,
      claims: { email: 'tex@example.com', email_verified: true },
      origin: 'admin',
    });
    rp = await registerClient(provider.app, {
      redirect_uris: [CODE_REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'openid email offline_access orders:read orders:write',
      audience: [A],
      token_endpoint_auth_method: 'client_secret_post',
    });
    const service = (serves: string, calls: string, extra: Record<string, unknown> = {}) =>
      registerClient(provider.app, {
        grant_types: ['client_credentials', TOKEN_EXCHANGE],
        scope: 'openid email orders:read orders:write',
        audience: [calls],
        introspection_audiences: [serves],
        token_endpoint_auth_method: 'client_secret_post',
        ...extra,
      });
    serviceA = await service(A, B);
    serviceB = await service(B, C);
    serviceC = await service(C, 'https://d.internal.example.com');
    impersonator = await service(A, B, {
      token_exchange_impersonation: true,
      token_exchange_subject_token_types: [ACCESS_TOKEN, ID_TOKEN],
    });
    noExchange = await registerClient(provider.app, {
      grant_types: ['client_credentials'],
      scope: 'orders:read',
      audience: [B],
      introspection_audiences: [A],
      token_endpoint_auth_method: 'client_secret_post',
    });
    publicClient = await registerClient(provider.app, {
      public: true,
      redirect_uris: [CODE_REDIRECT_URI],
      grant_types: ['authorization_code', TOKEN_EXCHANGE],
      token_endpoint_auth_method: 'none',
      scope: 'openid orders:read',
      audience: [B],
    });
  });
  after(async () => {
    await provider?.close();
    await storage?.dispose();
  });

  const configFor = (client: Client) =>
    oidc.discovery(
      new URL(provider.config.issuer),
      client.clientId,
      undefined,
      oidc.ClientSecretPost(client.secret),
      { execute: [oidc.allowInsecureRequests] },
    );

  /** The user's tokens at the web app, addressed to A, as a code redemption gives them. */
  async function signIn(
    scope = ['openid', 'email', 'offline_access', 'orders:read'],
    who: User = user,
  ) {
    const code = await mintCode(
      provider,
      codeGrant(rp.clientId, who.id, { scope, resources: [A] }),
    );
    const answer = await redeemCode(provider, rp, code);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body as { access_token: string; refresh_token: string; id_token: string };
  }

  /** A service's own token, its identity as an actor. */
  async function ownToken(client: Client): Promise<string> {
    const answer = await postForm(`${provider.url}/token`, {
      grant_type: 'client_credentials',
      client_id: client.clientId,
      client_secret: client.secret!,
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body.access_token as string;
  }

  const exchange = (by: Client, params: Record<string, string>) =>
    postForm(`${provider.url}/token`, {
      grant_type: TOKEN_EXCHANGE,
      client_id: by.clientId,
      ...(by.secret !== undefined ? { client_secret: by.secret } : {}),
      ...params,
    });

  const introspect = async (token: string, by: Client) =>
    (
      await postForm(`${provider.url}/introspect`, {
        token,
        client_id: by.clientId,
        client_secret: by.secret!,
      })
    ).body;

  const userinfo = (token: string) =>
    fetch(`${provider.url}/userinfo`, { headers: { authorization: `Bearer ${token}` } });

  test('discovery advertises the grant', async () => {
    const config = await configFor(serviceA);
    assert.ok(config.serverMetadata().grant_types_supported?.includes(TOKEN_EXCHANGE));
  });

  test('delegation: A exchanges the user’s token for B, acting for the user (act.sub = A)', async () => {
    const { access_token } = await signIn();
    const config = await configFor(serviceA);
    const response = await oidc.genericGrantRequest(config, TOKEN_EXCHANGE, {
      subject_token: access_token,
      subject_token_type: ACCESS_TOKEN,
      actor_token: await ownToken(serviceA),
      actor_token_type: ACCESS_TOKEN,
      requested_token_type: ACCESS_TOKEN,
      audience: B,
      scope: 'orders:read',
    });
    assert.equal(response.issued_token_type, ACCESS_TOKEN);
    assert.equal(response.token_type, 'bearer');
    assert.equal(response.refresh_token, undefined);
    assert.equal(response.scope, 'orders:read');
    const subject = decodeJwt(access_token);
    const claims = decodeJwt(response.access_token);
    assert.equal(claims.sub, subject.sub);
    assert.equal(claims.aud, B);
    assert.equal(claims.client_id, serviceA.clientId);
    assert.deepEqual(claims.act, { sub: serviceA.clientId });
    assert.ok(claims.exp! <= subject.exp!, 'never outlives the subject token');
    assert.equal(claims.auth_time, subject.auth_time);

    // RFC 8693 §4.1: introspection shows the actor, to the service the token is addressed to.
    const seen = await introspect(response.access_token, serviceB);
    assert.equal(seen.active, true);
    assert.deepEqual(seen.act, { sub: serviceA.clientId });
    assert.equal(seen.sub, subject.sub);
  });

  test('with a DPoP proof the exchanged token is bound to the caller’s key (RFC 9449)', async () => {
    const { access_token } = await signIn();
    const key = await dpopKey();
    const answer = await postForm(
      `${provider.url}/token`,
      {
        grant_type: TOKEN_EXCHANGE,
        client_id: serviceA.clientId,
        client_secret: serviceA.secret!,
        subject_token: access_token,
        subject_token_type: ACCESS_TOKEN,
        actor_token: await ownToken(serviceA),
        actor_token_type: ACCESS_TOKEN,
        audience: B,
      },
      { dpop: await dpopProof(key, { htm: 'POST', htu: `${provider.url}/token` }) },
    );
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.token_type, 'DPoP');
    const cnf = decodeJwt(answer.body.access_token as string).cnf as { jkt?: string };
    assert.equal(cnf.jkt, await calculateJwkThumbprint(key.jwk));
  });

  test('a chain of two services: B exchanges A’s token for C; act nests (act.sub = B, act.act.sub = A)', async () => {
    const { access_token } = await signIn();
    const forB = await oidc.genericGrantRequest(await configFor(serviceA), TOKEN_EXCHANGE, {
      subject_token: access_token,
      subject_token_type: ACCESS_TOKEN,
      actor_token: await ownToken(serviceA),
      actor_token_type: ACCESS_TOKEN,
      resource: B,
    });
    const forC = await oidc.genericGrantRequest(await configFor(serviceB), TOKEN_EXCHANGE, {
      subject_token: forB.access_token,
      subject_token_type: ACCESS_TOKEN,
      actor_token: await ownToken(serviceB),
      actor_token_type: ACCESS_TOKEN,
      audience: C,
    });
    const claims = decodeJwt(forC.access_token);
    assert.equal(claims.sub, decodeJwt(access_token).sub);
    assert.equal(claims.aud, C);
    assert.deepEqual(claims.act, { sub: serviceB.clientId, act: { sub: serviceA.clientId } });
    // By default the scope both the subject token carries and the client registered.
    assert.equal(forC.scope, 'openid email orders:read');
    const seen = await introspect(forC.access_token, serviceC);
    assert.equal(seen.active, true);
    assert.deepEqual(seen.act, { sub: serviceB.clientId, act: { sub: serviceA.clientId } });
    // The user's token is good at UserInfo through the whole chain.
    const info = await userinfo(forC.access_token);
    assert.equal(info.status, 200);
    assert.equal(((await info.json()) as { email: string }).email, 'tex@example.com');
  });

  test('impersonation: a client allowed it exchanges without an actor, and the token has no act', async () => {
    const { access_token, id_token } = await signIn();
    const response = await oidc.genericGrantRequest(await configFor(impersonator), TOKEN_EXCHANGE, {
      subject_token: access_token,
      subject_token_type: ACCESS_TOKEN,
      audience: B,
    });
    const claims = decodeJwt(response.access_token);
    assert.equal(claims.sub, decodeJwt(access_token).sub);
    assert.equal(claims.act, undefined);

    // An ID token issued to the caller, where its policy accepts one: no scope to carry.
    const fromIdToken = await exchange(impersonator, {
      subject_token: await idTokenFor(impersonator),
      subject_token_type: ID_TOKEN,
      audience: B,
    });
    assert.equal(fromIdToken.status, 200, JSON.stringify(fromIdToken.body));
    assert.equal(fromIdToken.body.issued_token_type, ACCESS_TOKEN);
    assert.equal(fromIdToken.body.scope, undefined);
    assert.equal(decodeJwt(fromIdToken.body.access_token as string).sub, decodeJwt(id_token).sub);
  });

  /** An ID token for the user, issued to `client` (as its own sign-in would give it). */
  async function idTokenFor(client: Client): Promise<string> {
    const { IdTokens } = await import('../src/token/id-tokens.js');
    const entity = (await provider.app.get(ClientsService).find(client.clientId))!;
    return provider.app.get(IdTokens).issue({
      client: entity,
      subject: decodeJwt((await signIn()).access_token).sub!,
      authentication: { authTime: Math.floor(clock.now() / 1000), amr: ['pwd'], acr: '1' },
      claims: {},
    });
  }

  test('an exchange refused for each policy rule, with its status and body', async () => {
    const signedIn = await signIn();
    const actorA = await ownToken(serviceA);
    const delegation = { subject_token: signedIn.access_token, subject_token_type: ACCESS_TOKEN };
    const withActor = { ...delegation, actor_token: actorA, actor_token_type: ACCESS_TOKEN };
    // A token of the user's that names who may act for them (§4.4), as an upstream might mint.
    const rpEntity = (await provider.app.get(ClientsService).find(rp.clientId))!;
    const mayActOther = await provider.app.get(AccessTokens).issue({
      client: rpEntity,
      subject: decodeJwt(signedIn.access_token).sub!,
      scope: ['orders:read'],
      audience: [A],
      extra: { may_act: { sub: serviceB.clientId } },
    });
    // The user's token at another client, addressed to nobody A serves.
    const foreign = (
      await provider.app.get(AccessTokens).issue({
        client: rpEntity,
        subject: decodeJwt(signedIn.access_token).sub!,
        scope: ['openid'],
        audience: [C],
      })
    ).token;
    // Revoked by its client.
    const revoked = (await signIn()).access_token;
    await postForm(`${provider.url}/revoke`, {
      token: revoked,
      client_id: rp.clientId,
      client_secret: rp.secret!,
    });

    const cases: [string, Client, Record<string, string>, number, string, string][] = [
      [
        'exchange not permitted',
        noExchange,
        withActor,
        400,
        'unauthorized_client',
        `This client may not use the ${TOKEN_EXCHANGE} grant`,
      ],
      [
        'a public client',
        publicClient,
        withActor,
        400,
        'unauthorized_client',
        'This client may not use the token exchange grant',
      ],
      [
        'empty audience',
        serviceA,
        { ...withActor, audience: '' },
        400,
        'invalid_target',
        'audience must be a non-empty string',
      ],
      [
        'audience not allowed',
        serviceA,
        { ...withActor, audience: C },
        400,
        'invalid_target',
        `This client may not request a token for ${C}`,
      ],
      [
        'resource not allowed',
        serviceA,
        { ...withActor, resource: C },
        400,
        'invalid_target',
        `This client may not request a token for ${C}`,
      ],
      [
        'resource not a URI',
        serviceA,
        { ...withActor, resource: 'not a uri' },
        400,
        'invalid_target',
        'resource must be an absolute URI without a fragment',
      ],
      [
        'subject token type not allowed by policy',
        serviceA,
        { ...withActor, subject_token: signedIn.id_token, subject_token_type: ID_TOKEN },
        400,
        'invalid_request',
        `This client may not exchange a subject token of type ${ID_TOKEN}`,
      ],
      [
        'refresh tokens are not exchanged',
        serviceA,
        { ...withActor, subject_token: signedIn.refresh_token, subject_token_type: REFRESH_TOKEN },
        400,
        'invalid_request',
        `subject_token_type ${REFRESH_TOKEN} is not supported`,
      ],
      [
        'unknown subject token type',
        serviceA,
        { ...withActor, subject_token_type: 'urn:example:saml' },
        400,
        'invalid_request',
        'subject_token_type urn:example:saml is not supported',
      ],
      [
        'impersonation not permitted',
        serviceA,
        delegation,
        400,
        'invalid_request',
        'This client may not impersonate: an actor_token is required',
      ],
      [
        'may_act names another actor',
        serviceA,
        { ...withActor, subject_token: mayActOther.token },
        400,
        'invalid_request',
        'The subject token’s may_act does not allow this actor',
      ],
      [
        'scope wider than the subject token',
        serviceA,
        { ...withActor, scope: 'orders:read orders:write' },
        400,
        'invalid_scope',
        'The subject token does not carry the scope orders:write',
      ],
      [
        'scope the client did not register',
        serviceA,
        { ...withActor, scope: 'offline_access' },
        400,
        'invalid_scope',
        'This client may not request the scope offline_access',
      ],
      [
        'requested_token_type unsupported',
        serviceA,
        { ...withActor, requested_token_type: REFRESH_TOKEN },
        400,
        'invalid_request',
        `requested_token_type ${REFRESH_TOKEN} is not supported: only ${ACCESS_TOKEN} is issued`,
      ],
      [
        'actor_token without its type',
        serviceA,
        { ...delegation, actor_token: actorA },
        400,
        'invalid_request',
        'actor_token_type is required with actor_token',
      ],
      [
        'actor_token_type without a token',
        serviceA,
        { ...delegation, actor_token_type: ACCESS_TOKEN },
        400,
        'invalid_request',
        'actor_token_type is only allowed with actor_token',
      ],
      [
        'subject_token missing',
        serviceA,
        { subject_token_type: ACCESS_TOKEN, actor_token: actorA, actor_token_type: ACCESS_TOKEN },
        400,
        'invalid_request',
        'subject_token is required',
      ],
      [
        'subject_token_type missing',
        serviceA,
        {
          subject_token: signedIn.access_token,
          actor_token: actorA,
          actor_token_type: ACCESS_TOKEN,
        },
        400,
        'invalid_request',
        'subject_token_type is required',
      ],
      [
        'subject token not a token',
        serviceA,
        { ...withActor, subject_token: 'garbage' },
        400,
        'invalid_request',
        'subject_token is invalid, expired or revoked',
      ],
      [
        'subject token far too long',
        serviceA,
        { ...withActor, subject_token: 'x'.repeat(9000) },
        400,
        'invalid_request',
        'subject_token is too long',
      ],
      [
        'subject token revoked',
        serviceA,
        { ...withActor, subject_token: revoked },
        400,
        'invalid_request',
        'subject_token is invalid, expired or revoked',
      ],
      [
        'foreign subject token',
        serviceA,
        { ...withActor, subject_token: foreign },
        400,
        'invalid_request',
        'subject_token was neither issued to nor addressed to this client',
      ],
      [
        'actor token of another client',
        serviceA,
        { ...withActor, actor_token: await ownToken(serviceB) },
        400,
        'invalid_request',
        'actor_token was not issued to this client',
      ],
      [
        'actor token not a token',
        serviceA,
        { ...withActor, actor_token: 'a.b.c' },
        400,
        'invalid_request',
        'actor_token is invalid, expired or revoked',
      ],
      [
        'actor ID token that is an access token',
        serviceA,
        { ...withActor, actor_token_type: ID_TOKEN },
        400,
        'invalid_request',
        'actor_token is invalid or expired',
      ],
      [
        'ID token subject with a scope it cannot carry',
        impersonator,
        {
          subject_token: await idTokenFor(impersonator),
          subject_token_type: ID_TOKEN,
          scope: 'openid',
        },
        400,
        'invalid_scope',
        'The subject token does not carry the scope openid',
      ],
      [
        'ID token of another client',
        impersonator,
        { subject_token: signedIn.id_token, subject_token_type: ID_TOKEN },
        400,
        'invalid_request',
        'subject_token was not issued to this client',
      ],
    ];
    for (const [name, by, params, status, error, description] of cases) {
      const answer = await exchange(by, params);
      assert.equal(answer.status, status, `${name}: ${JSON.stringify(answer.body)}`);
      assert.deepEqual(answer.body, { error, error_description: description }, name);
      assert.equal(answer.headers.get('cache-control'), 'no-store', name);
    }

    // The same refusal through a certified client library.
    await assert.rejects(
      oidc.genericGrantRequest(await configFor(serviceA), TOKEN_EXCHANGE, {
        ...delegation,
        audience: B,
      }),
      (e: unknown) => e instanceof oidc.ResponseBodyError && e.error === 'invalid_request',
    );
  });

  test('a repeated subject_token is refused', async () => {
    const answer = await postForm(
      `${provider.url}/token`,
      new URLSearchParams([
        ['grant_type', TOKEN_EXCHANGE],
        ['client_id', serviceA.clientId],
        ['client_secret', serviceA.secret!],
        ['subject_token', 'one'],
        ['subject_token', 'two'],
        ['subject_token_type', ACCESS_TOKEN],
      ]).toString(),
    );
    assert.equal(answer.status, 400);
    assert.deepEqual(answer.body, {
      error: 'invalid_request',
      error_description: 'Parameter subject_token is repeated',
    });
  });

  test('may_act naming the actor lets it act', async () => {
    const rpEntity = (await provider.app.get(ClientsService).find(rp.clientId))!;
    const { token } = await provider.app.get(AccessTokens).issue({
      client: rpEntity,
      subject: 'someone',
      scope: ['orders:read'],
      audience: [A],
      extra: { may_act: { sub: serviceA.clientId } },
    });
    const answer = await exchange(serviceA, {
      subject_token: token,
      subject_token_type: ACCESS_TOKEN,
      actor_token: await ownToken(serviceA),
      actor_token_type: ACCESS_TOKEN,
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(decodeJwt(answer.body.access_token as string).act, { sub: serviceA.clientId });
  });

  test('the admin scope is carried over only when asked for by name', async () => {
    const operator = await registerClient(provider.app, {
      grant_types: ['client_credentials', TOKEN_EXCHANGE],
      scope: 'orders:read admin',
      audience: [B],
      introspection_audiences: [A],
      token_endpoint_auth_method: 'client_secret_post',
    });
    const { token } = await provider.app.get(AccessTokens).issue({
      client: (await provider.app.get(ClientsService).find(rp.clientId))!,
      subject: 'an-operator',
      scope: ['orders:read', 'admin'],
      audience: [A],
    });
    const params = {
      subject_token: token,
      subject_token_type: ACCESS_TOKEN,
      actor_token: await ownToken(operator),
      actor_token_type: ACCESS_TOKEN,
      audience: B,
    };
    assert.equal((await exchange(operator, params)).body.scope, 'orders:read');
    assert.equal((await exchange(operator, { ...params, scope: 'admin' })).body.scope, 'admin');
  });

  /** A → B → C from a fresh sign-in: the user's tokens and the two exchanged ones. */
  async function chain(who: User = user) {
    const user = await signIn(undefined, who);
    const forB = await exchange(serviceA, {
      subject_token: user.access_token,
      subject_token_type: ACCESS_TOKEN,
      actor_token: await ownToken(serviceA),
      actor_token_type: ACCESS_TOKEN,
      audience: B,
    });
    assert.equal(forB.status, 200, JSON.stringify(forB.body));
    const forC = await exchange(serviceB, {
      subject_token: forB.body.access_token as string,
      subject_token_type: ACCESS_TOKEN,
      actor_token: await ownToken(serviceB),
      actor_token_type: ACCESS_TOKEN,
      audience: C,
    });
    assert.equal(forC.status, 200, JSON.stringify(forC.body));
    return {
      user,
      forB: forB.body.access_token as string,
      forC: forC.body.access_token as string,
    };
  }

  async function assertEnded(forB: string, forC: string) {
    assert.deepEqual(await introspect(forB, serviceB), { active: false });
    assert.deepEqual(await introspect(forC, serviceC), { active: false });
    assert.equal((await userinfo(forC)).status, 401);
    // Nor can an ended token be exchanged again.
    const again = await exchange(serviceB, {
      subject_token: forB,
      subject_token_type: ACCESS_TOKEN,
      actor_token: await ownToken(serviceB),
      actor_token_type: ACCESS_TOKEN,
    });
    assert.deepEqual(again.body, {
      error: 'invalid_request',
      error_description: 'subject_token is invalid, expired or revoked',
    });
  }

  test('revoking the subject access token ends every token exchanged from it, down the chain', async () => {
    const { user, forB, forC } = await chain();
    assert.equal((await introspect(forC, serviceC)).active, true);
    assert.equal((await userinfo(forC)).status, 200);
    const revoked = await postForm(`${provider.url}/revoke`, {
      token: user.access_token,
      client_id: rp.clientId,
      client_secret: rp.secret!,
    });
    assert.equal(revoked.status, 200);
    await assertEnded(forB, forC);
  });

  test('revoking the user’s refresh token (its family) ends what was exchanged from its access token', async () => {
    const { user, forB, forC } = await chain();
    await postForm(`${provider.url}/revoke`, {
      token: user.refresh_token,
      client_id: rp.clientId,
      client_secret: rp.secret!,
    });
    await assertEnded(forB, forC);
  });

  test('revoking the user’s consent for the web app ends what was exchanged', async () => {
    const { forB, forC } = await chain();
    // What DELETE /admin/users/{id}/consents/{clientId} does once the consent is gone.
    await provider.app.get(RefreshTokens).revokeForUserAndClient(user.id, rp.clientId);
    await assertEnded(forB, forC);
  });

  test('disabling the user ends what was exchanged from their tokens', async () => {
    const other = await provider.app.get(UsersService).create({
      username: `tex-off-${randomBytes(3).toString('hex')}`,
      claims: {},
      origin: 'admin',
    });
    const { forB, forC } = await chain(other);
    // What the admin API does when it disables a user (signOutEverywhere).
    await provider.app.get(UsersService).setDisabled(other.id, true);
    await provider.app.get(RefreshTokens).revokeForUser(other.id);
    await provider.app.get(AccessTokens).revokeAllOfUser(other.id);
    await assertEnded(forB, forC);
  });

  test('a subject token revoked while its exchange was signing: the new token is denied at once', async () => {
    const tokens = provider.app.get(AccessTokens);
    const clients = provider.app.get(ClientsService);
    const subject = await tokens.issue({
      client: (await clients.find(rp.clientId))!,
      subject: 'someone',
      scope: [],
      audience: [A],
    });
    const exchanged = await tokens.issue({
      client: (await clients.find(serviceA.clientId))!,
      subject: 'someone',
      scope: [],
      audience: [B],
    });
    // The revocation ran between the exchange's check and its record: it found nothing to take.
    await tokens.revoke(subject.claims);
    assert.ok(await tokens.inspect(exchanged.token));
    await tokens.recordExchange(subject.claims, exchanged.claims);
    assert.equal(await tokens.inspect(exchanged.token), undefined);
  });

  test('revoking an exchanged token ends what was exchanged from it, not its subject token', async () => {
    const { user, forB, forC } = await chain();
    await postForm(`${provider.url}/revoke`, {
      token: forB,
      client_id: serviceA.clientId,
      client_secret: serviceA.secret!,
    });
    await assertEnded(forB, forC);
    assert.equal((await introspect(user.access_token, rp)).active, true);
  });

  test('an expired subject token is refused, and an exchanged token ends with its subject', async () => {
    const { user, forC } = await chain();
    const subjectExp = decodeJwt(user.access_token).exp!;
    assert.ok(decodeJwt(forC).exp! <= subjectExp);
    clock.advance((subjectExp + 1) * 1000 - clock.now());
    assert.deepEqual(await introspect(forC, serviceC), { active: false });
    const answer = await exchange(serviceA, {
      subject_token: user.access_token,
      subject_token_type: ACCESS_TOKEN,
      actor_token: await ownToken(serviceA),
      actor_token_type: ACCESS_TOKEN,
    });
    assert.equal(answer.status, 400);
    assert.deepEqual(answer.body, {
      error: 'invalid_request',
      error_description: 'subject_token is invalid, expired or revoked',
    });
  });
});
