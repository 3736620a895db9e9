import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeProtectedHeader } from 'jose';
import { KeysService } from '../src/keys/keys.service.js';
import { SigningService } from '../src/keys/signing.service.js';
import { makeCertificates, type CertificateFixtures } from './support/certificates.js';
import {
  createStorage,
  getJwks,
  startProvider,
  target,
  TEST_SECRET,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

const run = promisify(execFile);

describe(`importing a key with its certificate chain on ${target}`, { timeout: 120_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  let certs: CertificateFixtures;
  let files: string;

  before(async () => {
    certs = makeCertificates('rsa');
    files = mkdtempSync(join(tmpdir(), 'op-import-'));
    writeFileSync(join(files, 'key.pem'), certs.leafKeyPem);
    writeFileSync(join(files, 'other.pem'), certs.otherLeafPem);
    storage = await createStorage();
    provider = await startProvider(storage.env);
  });
  after(async () => {
    await provider?.close();
    await storage?.dispose();
    rmSync(files, { recursive: true, force: true });
  });

  test('a PEM with a matching chain is published with x5c and x5t#S256 and, activated, signs', async () => {
    const keys = provider.app.get(KeysService);
    const outcome = await keys.importKey({
      privateKeyPem: certs.leafKeyPem,
      chainPem: certs.chainPem,
      activate: true,
    });
    const kid = outcome.created[0];
    const published = (await getJwks(provider.url)).keys.find((k) => k.kid === kid);
    assert.ok(published, 'the imported key is in the JWKS');
    const leaf = new X509Certificate(certs.chainPem.split(/(?<=-----END CERTIFICATE-----\n)/)[0]);
    assert.deepEqual((published.x5c as string[])[0], leaf.raw.toString('base64'));
    assert.equal((published.x5c as string[]).length, 2);
    assert.equal(published['x5t#S256'], createHash('sha256').update(leaf.raw).digest('base64url'));
    assert.equal(published.d, undefined);
    const jwt = await provider.app.get(SigningService).sign({ sub: 'x' });
    assert.equal(decodeProtectedHeader(jwt).kid, kid);
  });

  test('a chain that does not match the key is refused with a clear error, and nothing is stored', async () => {
    const keys = provider.app.get(KeysService);
    const before = (await keys.list()).length;
    await assert.rejects(
      keys.importKey({ privateKeyPem: certs.leafKeyPem, chainPem: certs.otherLeafPem }),
      /The first certificate of the chain does not match the private key/,
    );
    assert.equal((await keys.list()).length, before);
  });

  test('from the command line', async () => {
    const env = {
      ...process.env,
      ...storage.env,
      KEYS_ENCRYPTION_SECRET: TEST_SECRET,
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
    };
    const args = [
      'dist/src/cli.js',
      'keys:import',
      '--key',
      join(files, 'key.pem'),
      '--chain',
      join(files, 'other.pem'),
    ];
    const failure = await run(process.execPath, args, { env }).then(
      () => assert.fail('the CLI accepted a bad import'),
      (e: { code: number; stderr: string }) => e,
    );
    if (target === 'embedded') {
      // PGlite is one process's: the CLI refuses to open it while the server runs.
      assert.equal(failure.code, 1);
      assert.match(failure.stderr, /The embedded database in .* is in use by process \d+/);
    } else {
      assert.equal(failure.code, 64);
      assert.equal(
        failure.stderr.trim(),
        'The first certificate of the chain does not match the private key',
      );
    }
  });
});
