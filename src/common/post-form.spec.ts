import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postForm } from './post-form.js';

let server: Server;
let base: string;
const received: { path: string; type?: string; body: string }[] = [];

before(async () => {
  server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        type: req.headers['content-type'],
        body: Buffer.concat(chunks).toString(),
      });
      if (req.url === '/redirect') res.writeHead(302, { location: '/ok' }).end();
      else if (req.url === '/hang')
        return; // never answers
      else if (req.url === '/big') res.writeHead(200).end('x'.repeat(64 * 1024));
      else res.writeHead(req.url === '/fail' ? 500 : 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const open = { allowPrivateNetwork: true, timeoutMs: 1_000 };

test('posts the form and reports the status, never following a redirect', async () => {
  assert.deepEqual(await postForm(`${base}/ok`, { logout_token: 'a.b.c' }, open), {
    status: 200,
  });
  const last = received.at(-1)!;
  assert.equal(last.type, 'application/x-www-form-urlencoded');
  assert.equal(last.body, 'logout_token=a.b.c');
  assert.deepEqual(await postForm(`${base}/fail`, {}, open), { status: 500 });
  const before = received.length;
  assert.deepEqual(await postForm(`${base}/redirect`, {}, open), { status: 302 });
  assert.equal(received.length, before + 1, 'the redirect was not followed');
});

test('a hung receiver is a timeout; a huge answer is cut off with its status', async () => {
  const started = Date.now();
  assert.deepEqual(await postForm(`${base}/hang`, {}, { ...open, timeoutMs: 300 }), {
    error: 'timeout',
  });
  assert.ok(Date.now() - started < 1_500);
  assert.deepEqual(await postForm(`${base}/big`, {}, { ...open, maxBytes: 1024 }), {
    status: 200,
  });
});

test('a registrant’s URI may not reach private addresses; bad URIs never throw', async () => {
  const closed = { allowPrivateNetwork: false, timeoutMs: 1_000 };
  for (const uri of [
    `${base}/ok`,
    'http://[::1]:9/x',
    'http://10.1.2.3/x',
    'http://169.254.169.254/latest/meta-data',
    'http://[::ffff:127.0.0.1]/x',
  ])
    assert.deepEqual(await postForm(uri, {}, closed), { error: 'private address' }, uri);
  // A name that resolves inside is refused at connection time.
  const port = (server.address() as AddressInfo).port;
  assert.deepEqual(await postForm(`http://localhost:${port}/ok`, {}, closed), {
    error: 'private address',
  });
  assert.deepEqual(await postForm('not a uri', {}, closed), { error: 'invalid URI' });
  assert.deepEqual(await postForm('file:///etc/passwd', {}, closed), {
    error: 'not an http(s) URI',
  });
});
