import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import { ClientJwksCache } from './client-jwks.js';

test('the jwks_uri cache stays bounded however many URIs registrants point it at', async () => {
  const { publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  // About 60 KiB per document, as a registrant padding its JWK Set would send.
  const padding = 'x'.repeat(60 * 1024);
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [{ ...jwk, kid: req.url }], padding }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const cache = new ClientJwksCache();
    // 600 distinct URIs, as 600 RFC 7592 updates of one client's jwks_uri would give.
    for (let i = 0; i < 600; i++) {
      await cache.keys(`http://127.0.0.1:${port}/jwks/${i}`, { allowPrivateNetwork: true });
    }
    const { documents, bytes } = cache.held;
    assert.ok(bytes <= 32 * 1024 * 1024, `${bytes} bytes held`);
    assert.ok(documents < 600, `${documents} documents held`);
    assert.ok(documents > 100, 'recent documents are still cached');
    // The most recent is still served from memory: no new request.
    let requests = 0;
    server.on('request', () => requests++);
    await cache.keys(`http://127.0.0.1:${port}/jwks/599`, { allowPrivateNetwork: true });
    assert.equal(requests, 0);
  } finally {
    server.close();
  }
});
