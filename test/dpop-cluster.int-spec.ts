import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { UsersService } from '../src/users/users.service.js';
import { basicAuth, postForm, registerClient } from './support/clients.js';
import { CODE_REDIRECT_URI, codeGrant, mintCode } from './support/codes.js';
import { ath, dpopKey, dpopProof, type DpopKey } from './support/dpop.js';
import {
  createStorage,
  freePort,
  startProvider,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

const ALREADY_USED = {
  error: 'invalid_dpop_proof',
  error_description: 'The DPoP proof was already used',
};

/**
 * Two instances behind one name (one issuer) on one Postgres and one Redis: a DPoP proof is
 * good once in the whole cluster (RFC 9449 §11.1), and a bound refresh token needs its key on
 * either instance.
 */
describe('DPoP across two instances', { timeout: 60_000 }, () => {
  let storage: Storage;
  let a: RunningProvider;
  let b: RunningProvider;
  let service: { clientId: string; secret?: string };
  let key: DpopKey;
  /** What a client behind the load balancer signs: the advertised token endpoint. */
  let htu: string;

  before(async () => {
    storage = await createStorage('services');
    const portA = await freePort();
    const env = { ...storage.env, ISSUER: `http://127.0.0.1:${portA}` };
    a = await startProvider({ ...env, PORT: String(portA) });
    b = await startProvider(env);
    service = await registerClient(a.app, {
      grant_types: ['client_credentials'],
      scope: 'jobs:run',
    });
    key = await dpopKey();
    htu = `${a.config.issuer}/token`;
  });
  after(async () => {
    await Promise.allSettled([a?.close(), b?.close()]);
    await storage?.dispose();
  });

  const cc = (on: RunningProvider, dpop: string) =>
    postForm(
      `${on.url}/token`,
      { grant_type: 'client_credentials' },
      { authorization: basicAuth(service.clientId, service.secret!), dpop },
    );

  test('a proof used on A is refused when replayed on B; a fresh one is good on B', async () => {
    const proof = await dpopProof(key, { htm: 'POST', htu });
    const first = await cc(a, proof);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.token_type, 'DPoP');
    const replay = await cc(b, proof);
    assert.deepEqual(
      { status: replay.status, body: replay.body },
      { status: 400, body: ALREADY_USED },
    );

    const fresh = await cc(b, await dpopProof(key, { htm: 'POST', htu }));
    assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
  });

  test('one proof sent to A and B at once, ten times over: exactly one is served', async () => {
    const proof = await dpopProof(key, { htm: 'POST', htu });
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => cc(i % 2 === 0 ? a : b, proof)),
    );
    assert.equal(answers.filter((r) => r.status === 200).length, 1);
    for (const r of answers.filter((r) => r.status !== 200))
      assert.deepEqual({ status: r.status, body: r.body }, { status: 400, body: ALREADY_USED });
  });

  test("a proof used at A's /userinfo is refused at B's; a public client's refresh token needs its key on B", async () => {
    const user = await a.app.get(UsersService).create({
      username: `cluster-${randomBytes(3).toString('hex')}`,
      claims: {},
      origin: 'admin',
    });
    const spa = await registerClient(a.app, {
      redirect_uris: [CODE_REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'openid offline_access',
      token_endpoint_auth_method: 'none',
    });
    const code = await mintCode(
      a,
      codeGrant(spa.clientId, user.id, { scope: ['openid', 'offline_access'] }),
    );
    const issued = await postForm(
      `${a.url}/token`,
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: CODE_REDIRECT_URI,
        client_id: spa.clientId,
      },
      { dpop: await dpopProof(key, { htm: 'POST', htu }) },
    );
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    const token = issued.body.access_token as string;

    const userinfo = `${a.config.issuer}/userinfo`;
    const proof = await dpopProof(key, { htm: 'GET', htu: userinfo, ath: ath(token) });
    const call = (on: RunningProvider) =>
      fetch(`${on.url}/userinfo`, { headers: { authorization: `DPoP ${token}`, dpop: proof } });
    assert.equal((await call(a)).status, 200);
    const replay = await call(b);
    assert.equal(replay.status, 401);
    assert.deepEqual(await replay.json(), ALREADY_USED);

    const refresh = async (dpop: string) =>
      postForm(
        `${b.url}/token`,
        {
          grant_type: 'refresh_token',
          refresh_token: issued.body.refresh_token as string,
          client_id: spa.clientId,
        },
        { dpop },
      );
    const thief = await refresh(await dpopProof(await dpopKey(), { htm: 'POST', htu }));
    assert.deepEqual(
      { status: thief.status, body: thief.body },
      {
        status: 400,
        body: {
          error: 'invalid_grant',
          error_description: 'The refresh token is bound to another DPoP key',
        },
      },
    );
    const owner = await refresh(await dpopProof(key, { htm: 'POST', htu }));
    assert.equal(owner.status, 200, JSON.stringify(owner.body));
    assert.equal(owner.body.token_type, 'DPoP');
  });
});
