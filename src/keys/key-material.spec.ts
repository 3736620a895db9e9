import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { generateKeyMaterial, importKeyMaterial, KeyOperationError } from './key-material.js';
import { makeCertificates, type CertificateFixtures } from '../../test/support/certificates.js';

describe('importing an operator key', () => {
  let rsa: CertificateFixtures;
  let ec: CertificateFixtures;
  before(() => {
    rsa = makeCertificates('rsa');
    ec = makeCertificates('ec');
  });

  test('a key with a matching chain gets x5c and x5t#S256', async () => {
    for (const [fixtures, alg] of [
      [rsa, 'RS256'],
      [ec, 'ES256'],
    ] as const) {
      const material = await importKeyMaterial(fixtures.leafKeyPem, {
        chainPem: fixtures.chainPem,
      });
      assert.equal(material.alg, alg);
      const leaf = new X509Certificate(
        fixtures.chainPem.split(/(?<=-----END CERTIFICATE-----\n)/)[0],
      );
      assert.equal(material.x5c?.length, 2);
      assert.equal(material.x5c?.[0], leaf.raw.toString('base64'));
      assert.equal(
        material.publicJwk['x5t#S256'],
        createHash('sha256').update(leaf.raw).digest('base64url'),
      );
      assert.equal(material.publicJwk.use, 'sig');
      assert.equal(material.publicJwk.kid, material.kid);
      assert.equal(material.publicJwk.d, undefined);
    }
  });

  test('PS256 may be chosen for an RSA key, not for an EC key', async () => {
    assert.equal((await importKeyMaterial(rsa.leafKeyPem, { alg: 'PS256' })).alg, 'PS256');
    await assert.rejects(
      importKeyMaterial(ec.leafKeyPem, { alg: 'PS256' }),
      /A ec key cannot sign PS256; it can sign ES256/,
    );
  });

  const in60Days = new Date(Date.now() + 60 * 86_400_000);
  const refusals: [string, () => [string, { chainPem?: string; now?: Date }], RegExp][] = [
    [
      'a chain whose first certificate is for another key',
      () => [rsa.leafKeyPem, { chainPem: rsa.otherLeafPem }],
      /first certificate of the chain does not match the private key/,
    ],
    [
      'a certificate past its end date (a 30-day chain checked 60 days on)',
      () => [rsa.leafKeyPem, { chainPem: rsa.chainPem, now: in60Days }],
      /Certificate 1 of the chain \(CN=leaf\) is not valid now/,
    ],
    [
      'a chain not issued in order',
      () => [rsa.leafKeyPem, { chainPem: rsa.wrongIssuerChainPem }],
      /Certificate 1 of the chain is not issued by certificate 2/,
    ],
    [
      'a chain with no certificate',
      () => [rsa.leafKeyPem, { chainPem: 'nothing here' }],
      /holds no PEM certificate/,
    ],
    [
      'a 1024-bit RSA key',
      () => [rsa.rsa1024KeyPem, {}],
      /at least 2048 bits \(this one has 1024\)/,
    ],
    [
      'an EC key on P-384',
      () => [rsa.p384KeyPem, {}],
      /P-256 for ES256 \(this one is on secp384r1\)/,
    ],
    [
      'text that is no key',
      () => ['-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', {}],
      /not a readable, unencrypted private key PEM/,
    ],
  ];
  for (const [name, input, message] of refusals) {
    test(`refused with a clear error: ${name}`, async () => {
      const [pem, options] = input();
      await assert.rejects(
        importKeyMaterial(pem, options),
        (e: unknown) => e instanceof KeyOperationError && message.test(e.message),
      );
    });
  }
});

test('generated keys: RSA 2048, P-256, Ed25519, each with a thumbprint kid', async () => {
  const rs = await generateKeyMaterial('RS256', 2048);
  assert.equal(Buffer.from(rs.publicJwk.n!, 'base64url').length, 256);
  assert.equal((await generateKeyMaterial('ES256', 2048)).publicJwk.crv, 'P-256');
  assert.equal((await generateKeyMaterial('EdDSA', 2048)).publicJwk.crv, 'Ed25519');
  assert.match(rs.kid, /^[A-Za-z0-9_-]{43}$/);
});
