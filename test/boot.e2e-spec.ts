import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { DataSource } from 'typeorm';
import { KeysService } from '../src/keys/keys.service.js';
import { SigningService } from '../src/keys/signing.service.js';
import {
  createStorage,
  freePort,
  getJwks,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

describe(
  `boot on ${target === 'embedded' ? 'the embedded default' : 'Postgres + Redis'}`,
  { timeout: 120_000 },
  () => {
    let storage: Storage;
    let provider: RunningProvider;
    let port: number;
    // A path in the issuer checks that every URL is built from ISSUER byte for byte.
    const issuerFor = (p: number) => `http://127.0.0.1:${p}`;

    before(async () => {
      storage = await createStorage();
      port = await freePort();
      provider = await startProvider({
        ...storage.env,
        PORT: String(port),
        SIGNING_ALGS: 'RS256,ES256,PS256,EdDSA',
      });
    });
    after(async () => {
      await provider?.close();
      await storage?.dispose();
    });

    test('discovery has the required members and the exact issuer', async () => {
      for (const path of [
        '/.well-known/openid-configuration',
        '/.well-known/oauth-authorization-server',
      ]) {
        const res = await fetch(provider.url + path);
        assert.equal(res.status, 200);
        assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
        const raw = await res.text();
        const doc = JSON.parse(raw) as Record<string, unknown>;
        assert.equal(doc.issuer, issuerFor(port));
        assert.ok(raw.includes(`"issuer":"${issuerFor(port)}"`), 'issuer is byte for byte ISSUER');
        assert.equal(doc.jwks_uri, `${issuerFor(port)}/jwks`);
        assert.deepEqual(doc.subject_types_supported, ['public', 'pairwise']);
        const algs = doc.id_token_signing_alg_values_supported as string[];
        assert.ok(algs.includes('RS256'));
        assert.ok(!algs.includes('none'));
        assert.deepEqual(algs, ['RS256', 'ES256', 'PS256', 'EdDSA']);
      }
    });

    test('the JWKS has one active and one next key per algorithm, public members only', async () => {
      const res = await fetch(`${provider.url}/jwks`);
      assert.equal(res.status, 200);
      const maxAge = Number(/max-age=(\d+)/.exec(res.headers.get('cache-control') ?? '')?.[1]);
      assert.ok(
        maxAge > 0 && maxAge * 1000 < provider.config.keys.prepublishPeriod,
        `max-age ${maxAge}s is shorter than the pre-publication period`,
      );
      const { keys } = (await res.json()) as { keys: Record<string, unknown>[] };
      assert.equal(keys.length, 8);
      assert.equal(new Set(keys.map((k) => k.kid)).size, keys.length, 'kids are unique');
      for (const key of keys) {
        assert.equal(key.use, 'sig');
        assert.ok(['RS256', 'ES256', 'PS256', 'EdDSA'].includes(key.alg as string));
        for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'])
          assert.equal(key[member], undefined, `${member} is private`);
      }
      const signing = provider.app.get(SigningService);
      for (const alg of ['RS256', 'ES256', 'PS256', 'EdDSA'] as const) {
        const jwt = await signing.sign({ sub: 'x' }, { alg });
        const { protectedHeader } = await signing.verify(jwt);
        assert.equal(protectedHeader.alg, alg);
        assert.ok(keys.some((k) => k.kid === protectedHeader.kid));
      }
    });

    test('the raw signing_keys rows hold no private key material in the clear', async () => {
      const rows = await provider.app
        .get(DataSource)
        .query<Record<string, unknown>[]>('SELECT * FROM signing_keys');
      assert.equal(rows.length, 8);
      const keys = provider.app.get(KeysService);
      const store = (keys as unknown as { store: { decryptPrivateKey(r: unknown): Buffer } }).store;
      const all = await keys.list();
      for (const row of rows) {
        const dump = JSON.stringify(row, (_k, v: unknown) =>
          Buffer.isBuffer(v) ? v.toString('base64') : v,
        );
        assert.ok(!/PRIVATE KEY/.test(dump));
        for (const member of ['"d"', '"p"', '"q"', '"dp"', '"dq"', '"qi"'])
          assert.ok(!JSON.stringify(row.public_jwk).includes(member));
        const entity = all.find((k) => k.kid === row.kid)!;
        const pkcs8 = store.decryptPrivateKey(entity);
        // The private scalar / exponent must not appear anywhere in the stored bytes.
        const jwk = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({
          format: 'jwk',
        });
        const secret = Buffer.from(jwk.d!, 'base64url');
        const stored = row.private_key_encrypted as Buffer;
        assert.ok(Buffer.isBuffer(stored));
        assert.equal(stored.indexOf(secret.subarray(0, 16)), -1);
        assert.equal(stored.indexOf(pkcs8.subarray(-32)), -1);
        assert.ok(!dump.includes(jwk.d!));
      }
    });

    test('a restart keeps the same keys', async () => {
      const before = await getJwks(provider.url);
      await provider.close();
      provider = await startProvider({
        ...storage.env,
        PORT: String(port),
        SIGNING_ALGS: 'RS256,ES256,PS256,EdDSA',
      });
      const afterRestart = await getJwks(provider.url);
      assert.deepEqual(
        afterRestart.keys.map((k) => k.kid).sort(),
        before.keys.map((k) => k.kid).sort(),
      );
      const ready = await fetch(`${provider.url}/health/ready`);
      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), {
        status: 'ok',
        checks: { database: 'up', cache: 'up' },
      });
    });

    test('liveness, Swagger UI and the OpenAPI document', async () => {
      const live = await fetch(`${provider.url}/health/live`);
      assert.equal(live.status, 200);
      const docs = await fetch(`${provider.url}/docs`);
      assert.equal(docs.status, 200);
      assert.match(await docs.text(), /swagger/i);
      const openapi = (await (await fetch(`${provider.url}/docs-json`)).json()) as {
        paths: Record<string, Record<string, OpenApiOperation>>;
      };
      for (const path of ['/jwks', '/.well-known/openid-configuration', '/health/ready'])
        assert.ok(path in openapi.paths, path);
      // The pages' assets: the hashed name as a documented parameter, the file or a JSON 404.
      const asset = openapi.paths['/assets/{name}'].get as OpenApiOperation & {
        parameters: { name: string; in: string; schema: { example?: string } }[];
      };
      assert.deepEqual(
        asset.parameters.map((p) => [p.name, p.in]),
        [['name', 'path']],
      );
      assert.ok(asset.responses['200'] && asset.responses['404']);
      // The OAuth endpoints take forms (RFC 6749 §3.2), and Swagger UI must send them as forms.
      for (const path of ['/token', '/introspect', '/revoke']) {
        const post = openapi.paths[path].post;
        assert.deepEqual(
          Object.keys(post.requestBody?.content ?? {}),
          ['application/x-www-form-urlencoded'],
          path,
        );
        assert.ok(post.responses['400'] && post.responses['401'], path);
      }
      const token = openapi.paths['/token'].post.requestBody!.content[
        'application/x-www-form-urlencoded'
      ].schema as { required: string[]; properties: Record<string, unknown> };
      assert.deepEqual(token.required, ['grant_type']);
      for (const name of ['scope', 'resource', 'audience', 'client_assertion'])
        assert.ok(name in token.properties, name);
    });
  },
);

interface OpenApiOperation {
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, unknown>;
}
