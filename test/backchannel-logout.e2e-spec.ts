import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { DataSource } from 'typeorm';
import { ClientsService } from '../src/clients/clients.service.js';
import { SessionsService } from '../src/sessions/sessions.service.js';
import { Subjects } from '../src/users/subjects.js';
import { ADMIN_ENV, adminToken, api } from './support/admin.js';
import { basicAuth, postForm, registerClient } from './support/clients.js';
import { LogoutReceiver, type ReceivedLogout } from './support/logout-receiver.js';
import {
  createStorage,
  eventually as eventuallyAsync,
  freePort,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const TIMEOUT_MS = 2_000;
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const UNKNOWN_SID = 'A'.repeat(43);

/** `eventually` for a check that needs no await. */
function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  return eventuallyAsync(() => Promise.resolve(check()), timeoutMs, what);
}

describe(`Back-Channel Logout on ${target}`, { timeout: 180_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  let token: string;
  let base: string;
  let receiver: LogoutReceiver;
  let receiverUrl: string;
  const logLines: string[] = [];
  const tokens: string[] = [];

  const sessions = () => provider.app.get(SessionsService);
  const pending = async () =>
    Number(
      (
        await provider.app
          .get(DataSource)
          .query<{ n: number }[]>(`SELECT count(*)::int AS n FROM backchannel_deliveries`)
      )[0].n,
    );
  const unique = (name: string) => `${name}-${randomBytes(3).toString('hex')}`;

  const newUser = async (): Promise<string> => {
    const res = await api(`${base}/users`, token, {
      method: 'POST',
      body: { username: unique('user') },
    });
    assert.equal(res.status, 201, res.text);
    return res.body.id as string;
  };
  const newClient = async (input: Record<string, unknown>): Promise<string> =>
    (
      await registerClient(provider.app, {
        redirect_uris: ['https://rp.example/cb'],
        grant_types: ['authorization_code'],
        ...input,
      })
    ).clientId;
  const signIn = async (userId: string, clients: string[]) => {
    const created = await sessions().create({
      userId,
      authTime: new Date(),
      amr: ['pwd'],
      acr: '1',
    });
    for (const clientId of clients)
      assert.ok(await sessions().addClient(created.session.id, clientId));
    return created;
  };

  /** Verifies a logout token against the provider's JWKS and checks every claim (§2.4). */
  const verified = async (
    received: ReceivedLogout,
    expected: { clientId: string; sub: string; sid: string; alg: string },
  ) => {
    assert.equal(received.contentType, 'application/x-www-form-urlencoded');
    assert.deepEqual(received.fields, [], 'the body is only logout_token');
    const logoutToken = received.token!;
    assert.ok(logoutToken, 'a logout_token was posted');
    tokens.push(logoutToken);
    const header = decodeProtectedHeader(logoutToken);
    assert.equal(header.typ, 'logout+jwt');
    assert.equal(header.alg, expected.alg, "signed with the client's ID token algorithm");
    assert.equal(typeof header.kid, 'string');
    const { payload } = await jwtVerify(
      logoutToken,
      createRemoteJWKSet(new URL(`${provider.url}/jwks`)),
      {
        issuer: provider.config.issuer,
        audience: expected.clientId,
        typ: 'logout+jwt',
        algorithms: [expected.alg],
      },
    );
    assert.deepEqual(Object.keys(payload).sort(), [
      'aud',
      'events',
      'exp',
      'iat',
      'iss',
      'jti',
      'sid',
      'sub',
    ]);
    assert.equal(payload.aud, expected.clientId);
    assert.equal(payload.sub, expected.sub);
    assert.equal(payload.sid, expected.sid);
    assert.equal('nonce' in payload, false);
    assert.deepEqual(payload.events, { [EVENT]: {} });
    assert.equal(JSON.stringify(payload.events), `{"${EVENT}":{}}`);
    const now = Math.floor(Date.now() / 1000);
    assert.ok(Math.abs(payload.iat! - now) <= 30, 'iat is now');
    assert.ok(payload.exp! > now && payload.exp! - payload.iat! <= 300, 'exp is short');
    assert.match(payload.jti!, /^[A-Za-z0-9_-]{16,}$/);
    return payload;
  };

  before(async () => {
    storage = await createStorage();
    receiver = new LogoutReceiver((path, n) => (path === '/slow' && n === 1 ? 'hang' : 200));
    receiverUrl = `http://127.0.0.1:${await receiver.listen()}`;
    provider = await startProvider(
      {
        ...storage.env,
        ...ADMIN_ENV,
        BACKCHANNEL_LOGOUT_TIMEOUT: `${TIMEOUT_MS}ms`,
        BACKCHANNEL_LOGOUT_RETRY_DELAY: '300ms',
      },
      { logLines },
    );
    base = `${provider.url}/admin`;
    token = await adminToken(provider);
  });
  after(async () => {
    await provider?.close();
    await receiver?.close();
    await storage?.dispose();
  });

  test('discovery advertises back-channel logout with sid', async () => {
    const res = await fetch(`${provider.url}/.well-known/openid-configuration`);
    const metadata = (await res.json()) as Record<string, unknown>;
    assert.equal(metadata.backchannel_logout_supported, true);
    assert.equal(metadata.backchannel_logout_session_supported, true);
  });

  test('ending a session through the admin API sends each participating client a logout token it can verify', async () => {
    const userId = await newUser();
    const plain = await newClient({ backchannel_logout_uri: `${receiverUrl}/plain` });
    const pairwise = await newClient({
      backchannel_logout_uri: `${receiverUrl}/pairwise`,
      backchannel_logout_session_required: true,
      subject_type: 'pairwise',
      id_token_signed_response_alg: 'ES256',
    });
    const silent = await newClient({}); // took part, registered no back-channel URI
    const absent = await newClient({ backchannel_logout_uri: `${receiverUrl}/absent` });
    const { session, cookieValue } = await signIn(userId, [plain, pairwise, silent]);

    const listed = await api(`${base}/users/${userId}/sessions`, token);
    assert.equal(listed.status, 200, listed.text);
    assert.equal((listed.body.sessions as { sid: string }[])[0].sid, session.id);

    const started = Date.now();
    const ended = await api(`${base}/users/${userId}/sessions/${session.id}`, token, {
      method: 'DELETE',
    });
    assert.equal(ended.status, 204, ended.text);
    assert.ok(Date.now() - started < TIMEOUT_MS / 2, 'the sign-out did not wait for clients');
    assert.equal(await sessions().resolve(cookieValue), undefined, 'the session is over');

    const [toPlain, toPairwise] = await eventually(
      () => {
        const a = receiver.to('/plain');
        const b = receiver.to('/pairwise');
        return a.length > 0 && b.length > 0 ? [a, b] : undefined;
      },
      10_000,
      'both logout tokens',
    );
    assert.equal(toPlain.length, 1);
    assert.equal(toPairwise.length, 1);
    await verified(toPlain[0], { clientId: plain, sub: userId, sid: session.id, alg: 'RS256' });
    const pairwiseClient = (await provider.app.get(ClientsService).find(pairwise))!;
    const pairwiseSub = provider.app.get(Subjects).subjectFor(userId, pairwiseClient.metadata);
    assert.notEqual(pairwiseSub, userId);
    await verified(toPairwise[0], {
      clientId: pairwise,
      sub: pairwiseSub,
      sid: session.id,
      alg: 'ES256',
    });
    await eventually(async () => ((await pending()) === 0 ? true : undefined), 5_000, 'queue');
    assert.equal(receiver.to('/absent').length, 0, 'a client not in the session hears nothing');
    assert.ok(absent);
    assert.ok(
      logLines.some(
        (l) => l.includes(`Back-channel logout to client ${plain}`) && l.includes('delivered'),
      ),
      'the outcome is logged',
    );
  });

  test('a receiver that is down does not delay the sign-out and gets the token once it is up', async () => {
    const port = await freePort();
    const userId = await newUser();
    const clientId = await newClient({ backchannel_logout_uri: `http://127.0.0.1:${port}/down` });
    const { session } = await signIn(userId, [clientId]);

    const started = Date.now();
    const ended = await api(`${base}/users/${userId}/sessions/${session.id}`, token, {
      method: 'DELETE',
    });
    assert.equal(ended.status, 204, ended.text);
    assert.ok(Date.now() - started < TIMEOUT_MS / 2, 'the sign-out did not wait');
    await eventually(
      () =>
        logLines.some(
          (l) => l.includes(`client ${clientId}`) && /attempt 1 of 6\).*network error/.test(l),
        )
          ? true
          : undefined,
      5_000,
      'the first attempt to fail',
    );
    assert.equal(await pending(), 1, 'the delivery waits in the queue');

    const recovered = new LogoutReceiver();
    await recovered.listen(port);
    try {
      const [delivered] = await eventually(
        () => (recovered.to('/down').length > 0 ? recovered.to('/down') : undefined),
        15_000,
        'the delivery after recovery',
      );
      await verified(delivered, { clientId, sub: userId, sid: session.id, alg: 'RS256' });
      await eventually(async () => ((await pending()) === 0 ? true : undefined), 5_000, 'queue');
      assert.equal(recovered.to('/down').length, 1, 'delivered once');
    } finally {
      await recovered.close();
    }
  });

  test('a slow receiver does not delay the sign-out; it gets a fresh token on the retry', async () => {
    const userId = await newUser();
    const clientId = await newClient({ backchannel_logout_uri: `${receiverUrl}/slow` });
    const { session } = await signIn(userId, [clientId]);

    const started = Date.now();
    const ended = await api(`${base}/users/${userId}/sessions/${session.id}`, token, {
      method: 'DELETE',
    });
    assert.equal(ended.status, 204, ended.text);
    assert.ok(Date.now() - started < TIMEOUT_MS / 2, 'the sign-out did not wait');

    const answered = await eventually(
      () => {
        const posts = receiver.to('/slow');
        return posts.some((p) => p.answered === 200) ? posts : undefined;
      },
      15_000,
      'the retry after the timeout',
    );
    assert.equal(answered[0].answered, 'hung');
    assert.ok(
      logLines.some((l) => l.includes(`client ${clientId}`) && l.includes('timeout')),
      'the timeout is logged',
    );
    const first = await verified(answered[0], {
      clientId,
      sub: userId,
      sid: session.id,
      alg: 'RS256',
    });
    const retry = await verified(answered.at(-1)!, {
      clientId,
      sub: userId,
      sid: session.id,
      alg: 'RS256',
    });
    assert.notEqual(first.jti, retry.jti, 'each attempt signs a new token');
  });

  test('disabling a user ends their sessions and notifies back-channel', async () => {
    const userId = await newUser();
    const clientId = await newClient({ backchannel_logout_uri: `${receiverUrl}/disabled` });
    const one = await signIn(userId, [clientId]);
    const two = await signIn(userId, [clientId]);
    const res = await api(`${base}/users/${userId}/disable`, token, { method: 'POST' });
    assert.equal(res.status, 200, res.text);
    const posts = await eventually(
      () => (receiver.to('/disabled').length >= 2 ? receiver.to('/disabled') : undefined),
      10_000,
      'two logout tokens',
    );
    const sids = [];
    for (const post of posts) {
      sids.push(
        (
          await verified(post, {
            clientId,
            sub: userId,
            sid: String(decodeSid(post)),
            alg: 'RS256',
          })
        ).sid,
      );
    }
    assert.deepEqual(sids.sort(), [one.session.id, two.session.id].sort());
  });

  test('admin sessions API: 401, 403, list, end one, end all, unknown ids', async () => {
    const userId = await newUser();
    const other = await newUser();
    const clientId = await newClient({ backchannel_logout_uri: `${receiverUrl}/admin` });
    const a = await signIn(userId, [clientId]);
    const b = await signIn(userId, [clientId]);
    const c = await signIn(userId, []);
    const foreign = await signIn(other, [clientId]);

    const routes: [string, string][] = [
      ['GET', `/users/${userId}/sessions`],
      ['DELETE', `/users/${userId}/sessions`],
      ['DELETE', `/users/${userId}/sessions/${a.session.id}`],
    ];
    const worker = await api(`${base}/clients`, token, {
      method: 'POST',
      body: { grant_types: ['client_credentials'], scope: 'reports:read' },
    });
    assert.equal(worker.status, 201, worker.text);
    const issued = await postForm(
      `${provider.url}/token`,
      { grant_type: 'client_credentials' },
      {
        authorization: basicAuth(
          worker.body.client_id as string,
          worker.body.client_secret as string,
        ),
      },
    );
    const unprivileged = issued.body.access_token as string;
    for (const [method, path] of routes) {
      const none = await api(base + path, undefined, { method });
      assert.equal(none.status, 401, `${method} ${path}`);
      const scoped = await api(base + path, unprivileged, { method });
      assert.equal(scoped.status, 403, `${method} ${path}`);
    }
    assert.equal((await sessions().listForUser(userId)).length, 3, 'nothing ended');

    const listed = await api(`${base}/users/${userId}/sessions`, token);
    assert.equal(listed.status, 200);
    const views = listed.body.sessions as Record<string, unknown>[];
    assert.deepEqual(views.map((v) => v.sid).sort(), [a, b, c].map((s) => s.session.id).sort());
    const view = views.find((v) => v.sid === a.session.id)!;
    assert.deepEqual(Object.keys(view).sort(), [
      'acr',
      'amr',
      'auth_time',
      'clients',
      'created_at',
      'expires_at',
      'last_seen_at',
      'remember_me',
      'sid',
    ]);
    assert.deepEqual(view.clients, [clientId]);
    assert.deepEqual(view.amr, ['pwd']);
    assert.equal(typeof view.auth_time, 'number');
    assert.ok(!JSON.stringify(listed.body).includes(a.cookieValue), 'never the cookie');

    for (const [method, path] of [
      ['GET', `/users/${UNKNOWN_ID}/sessions`],
      ['DELETE', `/users/${UNKNOWN_ID}/sessions`],
      ['DELETE', `/users/${UNKNOWN_ID}/sessions/${a.session.id}`],
      ['GET', `/users/not-a-uuid/sessions`],
      ['DELETE', `/users/${userId}/sessions/${UNKNOWN_SID}`],
      ['DELETE', `/users/${userId}/sessions/not-a-sid`],
      ['DELETE', `/users/${userId}/sessions/${foreign.session.id}`],
    ]) {
      const res = await api(base + path, token, { method });
      assert.equal(res.status, 404, `${method} ${path}: ${res.text}`);
    }
    assert.ok(await sessions().resolve(foreign.cookieValue), "another user's session stays");

    const one = await api(`${base}/users/${userId}/sessions/${a.session.id}`, token, {
      method: 'DELETE',
    });
    assert.equal(one.status, 204, one.text);
    assert.equal(await sessions().resolve(a.cookieValue), undefined);
    assert.ok(await sessions().resolve(b.cookieValue));
    const again = await api(`${base}/users/${userId}/sessions/${a.session.id}`, token, {
      method: 'DELETE',
    });
    assert.equal(again.status, 404, 'an ended session is gone');

    const all = await api(`${base}/users/${userId}/sessions`, token, { method: 'DELETE' });
    assert.equal(all.status, 204, all.text);
    assert.equal(await sessions().resolve(b.cookieValue), undefined);
    assert.equal(await sessions().resolve(c.cookieValue), undefined);
    const empty = await api(`${base}/users/${userId}/sessions`, token);
    assert.deepEqual(empty.body, { sessions: [] });

    // a and b had the client; c had none: two tokens, one per session.
    const posts = await eventually(
      () => (receiver.to('/admin').length >= 2 ? receiver.to('/admin') : undefined),
      10_000,
      'the logout tokens',
    );
    // Nothing more can come once the queue is empty: a row leaves it when its POST is done.
    await eventually(async () => ((await pending()) === 0 ? true : undefined), 5_000, 'queue');
    assert.equal(receiver.to('/admin').length, 2);
    const sids = posts.map(decodeSid).sort();
    assert.deepEqual(sids, [a.session.id, b.session.id].sort());
    assert.ok(
      logLines.every((l) => tokens.every((t) => !l.includes(t))),
      'no token is logged',
    );
  });
});

function decodeSid(post: ReceivedLogout): unknown {
  const [, payload] = post.token!.split('.');
  return (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sid: unknown }).sid;
}
