import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { generateKeyPair, SignJWT } from 'jose';
import { createRpServer } from '../examples/rp.js';
import { SigningService } from '../src/keys/signing.service.js';
import { registerClient } from './support/clients.js';
import {
  createStorage,
  freePort,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/**
 * The example relying party's logout endpoints take input from anyone: back-channel accepts
 * only a logout token the provider signed for this client, once; front-channel only notices
 * naming this provider as `iss`.
 */
describe(
  `the example relying party's back-channel endpoint on ${target}`,
  { timeout: 60_000 },
  () => {
    let storage: Storage;
    let provider: RunningProvider;
    let rp: Server;
    let endpoint: string;
    let clientId: string;
    const accepted: string[] = [];
    const framed: string[] = [];
    let rpUrl: string;

    before(async () => {
      storage = await createStorage();
      provider = await startProvider(storage.env);
      const port = await freePort();
      rpUrl = `http://127.0.0.1:${port}`;
      const client = await registerClient(provider.app, {
        redirect_uris: [`${rpUrl}/callback`],
        backchannel_logout_uri: `${rpUrl}/backchannel-logout`,
        grant_types: ['authorization_code'],
      });
      clientId = client.clientId;
      rp = createRpServer({
        issuer: provider.config.issuer,
        clientId,
        clientSecret: client.secret!,
        baseUrl: rpUrl,
        onBackChannelLogout: (sid) => accepted.push(sid),
        onFrontChannelLogout: (sid) => framed.push(sid),
      });
      await new Promise<void>((done) => rp.listen(port, '127.0.0.1', done));
      endpoint = `${rpUrl}/backchannel-logout`;
    });
    after(async () => {
      if (rp) await new Promise((done) => rp.close(done));
      await provider?.close();
      await storage?.dispose();
    });

    const claims = (extra: Record<string, unknown> = {}) => {
      const now = Math.floor(Date.now() / 1000);
      return {
        iss: provider.config.issuer,
        aud: clientId,
        iat: now,
        exp: now + 120,
        jti: randomBytes(16).toString('base64url'),
        sid: randomBytes(32).toString('base64url'),
        sub: 'someone',
        events: { [EVENT]: {} },
        ...extra,
      };
    };
    const signedByProvider = (payload: Record<string, unknown>, typ = 'logout+jwt') =>
      provider.app.get(SigningService).sign(payload, { alg: 'RS256', typ });
    const post = (body: string, type = 'application/x-www-form-urlencoded') =>
      fetch(endpoint, { method: 'POST', headers: { 'content-type': type }, body });

    test('a logout token the provider signed is accepted once', async () => {
      const payload = claims();
      const token = await signedByProvider(payload);
      assert.equal((await post(`logout_token=${token}`)).status, 200);
      assert.deepEqual(accepted, [payload.sid]);
      assert.equal((await post(`logout_token=${token}`)).status, 400, 'a replay');
      assert.equal(accepted.length, 1);
    });

    test('anything else is 400, 405 or 413 and ends nothing', async () => {
      const { privateKey } = await generateKeyPair('RS256');
      const foreign = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'RS256', typ: 'logout+jwt', kid: 'theirs' })
        .sign(privateKey);
      const cases: [string, Promise<Response>, number][] = [
        ['no token', post('state=x'), 400],
        ['garbage', post('logout_token=not.a.jwt'), 400],
        ['a foreign key', post(`logout_token=${foreign}`), 400],
        ['an ID token type', post(`logout_token=${await signedByProvider(claims(), 'JWT')}`), 400],
        [
          'another audience',
          post(`logout_token=${await signedByProvider(claims({ aud: 'x' }))}`),
          400,
        ],
        [
          'with a nonce',
          post(`logout_token=${await signedByProvider(claims({ nonce: 'n' }))}`),
          400,
        ],
        ['no event', post(`logout_token=${await signedByProvider(claims({ events: {} }))}`), 400],
        ['expired', post(`logout_token=${await signedByProvider(claims({ exp: 1 }))}`), 400],
        ['JSON', post(`{"logout_token":"x"}`, 'application/json'), 400],
        ['a huge body', post(`logout_token=${'x'.repeat(20_000)}`), 413],
        ['GET', fetch(endpoint), 405],
      ];
      for (const [what, response, status] of cases)
        assert.equal((await response).status, status, what);
      assert.equal(accepted.length, 1, 'nothing more was accepted');
    });

    test('front-channel: a notice from another issuer, or without sid, ends nothing', async () => {
      const frame = (query: string) => fetch(`${rpUrl}/frontchannel-logout?${query}`);
      const iss = encodeURIComponent(provider.config.issuer);
      for (const query of [
        '',
        'sid=abc',
        `iss=${encodeURIComponent('https://evil.example')}&sid=abc`,
        `iss=${iss}`,
      ]) {
        const res = await frame(query);
        assert.equal(res.status, 200, query);
        assert.match(
          res.headers.get('content-security-policy') ?? '',
          /frame-ancestors http:\/\/127\.0\.0\.1:\d+$/,
        );
      }
      assert.deepEqual(framed, []);
      assert.equal((await frame(`iss=${iss}&sid=abc`)).status, 200);
      assert.deepEqual(framed, ['abc']);
    });
  },
);
