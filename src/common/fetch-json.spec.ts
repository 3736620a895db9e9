import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchJson, FetchJsonError, isPrivateAddress } from './fetch-json.js';

test('private, loopback and link-local addresses are recognised', () => {
  for (const address of [
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fd00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '::ffff:7f00:1',
    '64:ff9b::a00:1',
    '64:ff9b::808:808',
    '64:ff9b:1::1',
    '2002:7f00:1::1',
    '2001::1',
    '::1.2.3.4',
    '::808:808',
    'fec0::1',
    'ff02::1',
    '2001:db8::1',
    '192.0.2.1',
    '198.51.100.7',
    '240.0.0.1',
    '255.255.255.255',
    '224.0.0.1',
    'not-an-ip',
  ]) {
    assert.equal(isPrivateAddress(address), true, address);
  }
  for (const address of [
    '8.8.8.8',
    '1.1.1.1',
    '2606:4700::1111',
    '::ffff:8.8.8.8',
    '2a00:1450::1',
  ]) {
    assert.equal(isPrivateAddress(address), false, address);
  }
});

test('a registrant cannot make the provider fetch a private address', async () => {
  await assert.rejects(
    fetchJson('http://127.0.0.1:9/x', {
      what: 'sector_identifier_uri',
      allowPrivateNetwork: false,
    }),
    (e: unknown) => e instanceof FetchJsonError && /private address/.test(e.message),
  );
  await assert.rejects(
    fetchJson('https://localhost:9/x', { what: 'jwks_uri', allowPrivateNetwork: false }),
    (e: unknown) => e instanceof FetchJsonError && /private address/.test(e.message),
  );
});

test('limits: size, status, redirects, JSON, timeout', async () => {
  const server = createServer((req, res) => {
    if (req.url === '/big') res.end(JSON.stringify(['x'.repeat(70_000)]));
    else if (req.url === '/redirect') res.writeHead(302, { location: '/ok' }).end();
    else if (req.url === '/text') res.end('not json');
    else if (req.url === '/slow') setTimeout(() => res.end('[]'), 2_000);
    else res.end('["https://a.example/cb"]');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const get = (path: string) =>
    fetchJson(base + path, { what: 'doc', allowPrivateNetwork: true, timeoutMs: 500 });
  try {
    assert.deepEqual(await get('/ok'), ['https://a.example/cb']);
    await assert.rejects(get('/big'), /doc is too large/);
    await assert.rejects(get('/redirect'), /doc answered HTTP 302/);
    await assert.rejects(get('/text'), /doc is not JSON/);
    await assert.rejects(get('/slow'), /doc timed out/);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
