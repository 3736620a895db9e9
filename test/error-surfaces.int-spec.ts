import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Body, Controller, Get, Module, Param, Post, UseFilters } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { applyErrorFilters, createAdapter } from '../src/app.factory.js';
import {
  InvalidClient,
  InvalidRequest,
  OAuthRedirectError,
} from '../src/common/errors/oauth-error.js';
import { DependencyUnavailable } from '../src/common/errors/unavailable.js';
import { Outages } from '../src/health/outages.js';
import { Metrics } from '../src/metrics/metrics.js';
import { HtmlErrorFilter } from '../src/interaction/html-error.filter.js';
import { defaultPages, Pages } from '../src/interaction/pages.js';
import { createLogger, PinoNestLogger } from '../src/common/logging/logger.js';

const STATE = 'x"><script>alert(1)</script>' + 's'.repeat(100);

/** Endpoints that throw each kind of error, served through the provider's own pipeline. */
@Controller('probe')
class ProbeController {
  @Post('json')
  json(@Body() body: unknown): unknown {
    return body;
  }

  @Get('invalid-client')
  invalidClient(): never {
    throw new InvalidClient('Client authentication failed').withHeader(
      'www-authenticate',
      'Basic realm="op"',
    );
  }

  @Get('crash')
  crash(): never {
    throw new Error('database password is hunter2');
  }

  @Get('redirect/query')
  redirectQuery(): never {
    throw new OAuthRedirectError(new InvalidRequest('prompt=none cannot be combined'), {
      redirectUri: 'https://rp.example/cb?keep=1',
      responseMode: 'query',
      state: STATE,
      issuer: 'https://id.example.org',
    });
  }

  @Get('redirect/fragment')
  redirectFragment(): never {
    throw new OAuthRedirectError(new InvalidRequest(), {
      redirectUri: 'https://rp.example/cb',
      responseMode: 'fragment',
      state: 'abc',
    });
  }

  @Get('redirect/form')
  redirectForm(): never {
    throw new OAuthRedirectError(new InvalidRequest('bad <b>thing</b>'), {
      redirectUri: 'https://rp.example/cb',
      responseMode: 'form_post',
      state: STATE,
    });
  }

  @Get('item/:id')
  item(@Param('id') id: string): unknown {
    return { id };
  }

  @Get('cache-down')
  cacheDown(): never {
    throw new DependencyUnavailable('cache', new Error('The client is offline'));
  }

  @Get('database-down')
  databaseDown(): never {
    throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
  }

  @Get('database-down-page')
  @UseFilters(HtmlErrorFilter)
  databaseDownPage(): never {
    throw Object.assign(new Error('terminating connection due to administrator command'), {
      code: '57P01',
    });
  }

  @Get('page')
  @UseFilters(HtmlErrorFilter)
  page(): never {
    throw new InvalidRequest('redirect_uri <img src=x onerror=alert(1)> is not registered');
  }
}

/** What the filters report as outages, instead of health/outages.ts. */
const outagesSeen = {
  reported: [] as string[],
  report(dependency: string) {
    this.reported.push(dependency);
  },
};

// The HTML surface renders with the pages' default branding.
@Module({
  controllers: [ProbeController],
  providers: [
    { provide: Pages, useValue: defaultPages() },
    { provide: Outages, useValue: outagesSeen },
    Metrics,
  ],
})
class ProbeModule {}

const CONNECTIONS = { readTimeout: 1_000, idleTimeout: 5_000, max: 40 };

/** Raw bytes to the server, and what it answered before it closed the connection. */
function rawExchange(
  address: string,
  bytes: string,
): Promise<{ answer: string; closedAfterMs: number }> {
  const { hostname, port } = new URL(address);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve({ answer, closedAfterMs: Date.now() - started }));
  });
}

/** The status, headers (lower-cased) and JSON body of a raw HTTP/1.1 answer. */
function parseAnswer(answer: string) {
  const [head, body] = answer.split('\r\n\r\n');
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(
    lines.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
    }),
  );
  return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(body) as unknown };
}

describe('error surfaces through the HTTP pipeline', { timeout: 30_000 }, () => {
  let app: NestFastifyApplication;
  let url: string;
  const logLines: string[] = [];

  before(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _e, done) {
        logLines.push(chunk.toString());
        done();
      },
    });
    // The provider's logger, writing to memory so the test can read the log.
    const logger = createLogger('info', sink);
    // Short limits, so the tests of slow requests and of the connection bound are quick.
    const adapter = createAdapter(logger, undefined, CONNECTIONS);
    app = await NestFactory.create<NestFastifyApplication>(ProbeModule, adapter, {
      logger: new PinoNestLogger(logger),
      abortOnError: false,
    });
    applyErrorFilters(app, outagesSeen);
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = await app.getUrl();
    url = url.replace('[::1]', '127.0.0.1');
  });
  after(() => app?.close());

  async function json(res: Response) {
    return {
      status: res.status,
      body: (await res.json()) as Record<string, unknown>,
      headers: res.headers,
    };
  }

  test('an OAuth error keeps its status, body and headers', async () => {
    const r = await json(await fetch(`${url}/probe/invalid-client`));
    assert.equal(r.status, 401);
    assert.deepEqual(r.body, {
      error: 'invalid_client',
      error_description: 'Client authentication failed',
    });
    assert.equal(r.headers.get('www-authenticate'), 'Basic realm="op"');
    assert.equal(r.headers.get('cache-control'), 'no-store');
  });

  test('an unexpected error is a plain server_error: no message, no stack', async () => {
    const res = await fetch(`${url}/probe/crash`);
    const text = await res.text();
    assert.equal(res.status, 500);
    assert.deepEqual(JSON.parse(text), {
      error: 'server_error',
      error_description: 'An unexpected error occurred',
    });
    assert.ok(!text.includes('hunter2') && !text.includes(' at '));
  });

  const malformed: [string, RequestInit, number, string][] = [
    [
      'malformed JSON',
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' },
      400,
      "Body is not valid JSON but content-type is set to 'application/json'",
    ],
    [
      'JSON nested 33 deep',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '['.repeat(33) + ']'.repeat(33),
      },
      400,
      'The JSON body is nested too deeply',
    ],
    [
      'JSON nested 10 000 deep',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000),
      },
      400,
      'The JSON body is nested too deeply',
    ],
    [
      'JSON with a lone surrogate in a string',
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":"\\ud800"}' },
      400,
      'The JSON body holds a NUL character or a lone surrogate',
    ],
    [
      'JSON with a lone surrogate in a key',
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"\\udc00":1}' },
      400,
      'The JSON body holds a NUL character or a lone surrogate',
    ],
    [
      'JSON with a NUL character',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"a":["x\\u0000y"]}',
      },
      400,
      'The JSON body holds a NUL character or a lone surrogate',
    ],
    [
      'JSON with __proto__',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"__proto__":{"admin":true}}',
      },
      400,
      "Body is not valid JSON but content-type is set to 'application/json'",
    ],
    [
      'a body over 64 KiB',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ a: 'x'.repeat(70_000) }),
      },
      413,
      'Request body is too large',
    ],
    [
      'an unsupported content type',
      { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<a/>' },
      415,
      'Unsupported Media Type',
    ],
  ];
  for (const [name, init, status, description] of malformed) {
    test(`${name} is a clear ${status}`, async () => {
      const r = await json(await fetch(`${url}/probe/json`, init));
      assert.equal(r.status, status);
      assert.deepEqual(r.body, { error: 'invalid_request', error_description: description });
    });
  }

  test('a surrogate pair, an escaped one and nesting 32 deep are accepted', async () => {
    for (const body of ['{"a":"😀 \\ud83d\\ude00"}', '['.repeat(32) + ']'.repeat(32)]) {
      const res = await fetch(`${url}/probe/json`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      assert.equal(res.status, 201, body.slice(0, 40));
    }
  });

  test('a dependency away is a 503 with Retry-After in each surface, reported once each', async () => {
    outagesSeen.reported.length = 0;
    for (const path of ['cache-down', 'database-down']) {
      const r = await json(await fetch(`${url}/probe/${path}`));
      assert.equal(r.status, 503, path);
      assert.deepEqual(r.body, {
        error: 'temporarily_unavailable',
        error_description: 'The service is temporarily unavailable; try again shortly',
      });
      assert.equal(r.headers.get('retry-after'), '5');
      assert.equal(r.headers.get('cache-control'), 'no-store');
    }
    const page = await fetch(`${url}/probe/database-down-page`, {
      headers: { 'accept-language': 'fr' },
    });
    const html = await page.text();
    assert.equal(page.status, 503);
    assert.equal(page.headers.get('retry-after'), '5');
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(html, /momentanément indisponible/);
    assert.doesNotMatch(html, /57P01|administrator/);
    assert.deepEqual(outagesSeen.reported, ['cache', 'database', 'database']);
    assert.ok(
      !logLines.some((line) => /ECONNREFUSED|administrator command|offline/.test(line)),
      'reported to the outage log, not logged per request',
    );
  });

  const parserRefusals: [string, string, number, string][] = [
    [
      'a body that stops arriving',
      'POST /probe/json HTTP/1.1\r\nHost: op\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":',
      408,
      'The request did not arrive in time',
    ],
    [
      'headers that stop arriving',
      'GET /probe/page HTTP/1.1\r\nHost: op\r\nX-Slow: ',
      408,
      'The request did not arrive in time',
    ],
    [
      'a request line of 20 KiB',
      `GET /probe/page?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: op\r\n\r\n`,
      431,
      'The request line or headers are too large',
    ],
    ['a request line that is not HTTP', 'HELLO THERE\r\n\r\n', 400, 'Malformed request'],
  ];
  for (const [name, bytes, status, description] of parserRefusals) {
    test(`${name}: ${status} in the provider's format, and the connection closed`, async () => {
      const { answer, closedAfterMs } = await rawExchange(url, bytes);
      const parsed = parseAnswer(answer);
      assert.equal(parsed.status, status, answer.slice(0, 200));
      assert.deepEqual(parsed.body, { error: 'invalid_request', error_description: description });
      assert.match(parsed.headers['content-type'], /^application\/json/);
      assert.equal(parsed.headers['cache-control'], 'no-store');
      assert.equal(parsed.headers['x-content-type-options'], 'nosniff');
      assert.match(parsed.headers['x-request-id'], /^[0-9a-f-]{36}$/);
      // The read timeout (1 s here) plus at most one check interval of the server (0.5 s),
      // with room for a loaded machine.
      assert.ok(closedAfterMs < 4_000, `closed after ${closedAfterMs} ms`);
    });
  }

  test('connections beyond SERVER_MAX_CONNECTIONS are closed as they arrive', async () => {
    const { hostname, port } = new URL(url);
    const sockets = Array.from({ length: CONNECTIONS.max + 10 }, () => {
      const socket = connect(Number(port), hostname);
      const closed = new Promise<number>((resolve) => {
        const opened = Date.now();
        socket.on('error', () => {});
        socket.on('close', () => resolve(Date.now() - opened));
      });
      return { socket, closed };
    });
    try {
      // Well before the read timeout closes the idle ones.
      const early = await Promise.all(
        sockets.map(({ closed }) => Promise.race([closed, sleep(800).then(() => Infinity)])),
      );
      const refused = early.filter((ms) => ms < 800).length;
      assert.ok(refused >= 10, `${refused} connections closed at once`);
    } finally {
      for (const { socket } of sockets) socket.destroy();
    }
    // Once they are gone, requests are served again.
    for (let tries = 0; ; tries++) {
      const served = await fetch(`${url}/probe/json`, { method: 'POST' }).then(
        (res) => res.status,
        () => 0,
      );
      if (served === 201) break;
      assert.ok(tries < 50, `served again (${served})`);
    }
  });

  const routerRefusals: [string, string, number, string][] = [
    [
      'a path parameter over 1024 characters',
      `/probe/item/${'x'.repeat(1100)}`,
      414,
      'A path segment is too long',
    ],
    ['bad percent-encoding in the path', '/probe/item/%E0%A4%A', 400, 'Malformed URL'],
  ];
  for (const [name, path, status, description] of routerRefusals) {
    test(`${name}: ${status} in the provider's format and headers`, async () => {
      const r = await json(await fetch(`${url}${path}`));
      assert.equal(r.status, status);
      assert.deepEqual(r.body, { error: 'invalid_request', error_description: description });
      assert.equal(r.headers.get('cache-control'), 'no-store');
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
      assert.match(r.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    });
  }

  test('an unknown route is a JSON 404', async () => {
    const r = await json(await fetch(`${url}/no/such/thing`));
    assert.equal(r.status, 404);
    assert.deepEqual(r.body, {
      error: 'not_found',
      error_description: 'The requested resource does not exist',
    });
  });

  test('redirect surface, query mode: parameters appended, state intact, iss added', async () => {
    const res = await fetch(`${url}/probe/redirect/query`, { redirect: 'manual' });
    assert.equal(res.status, 303);
    const location = new URL(res.headers.get('location')!);
    assert.equal(location.origin + location.pathname, 'https://rp.example/cb');
    assert.equal(location.searchParams.get('keep'), '1');
    assert.equal(location.searchParams.get('error'), 'invalid_request');
    assert.equal(location.searchParams.get('error_description'), 'prompt=none cannot be combined');
    assert.equal(location.searchParams.get('state'), STATE);
    assert.equal(location.searchParams.get('iss'), 'https://id.example.org');
  });

  test('redirect surface, fragment mode', async () => {
    const res = await fetch(`${url}/probe/redirect/fragment`, { redirect: 'manual' });
    assert.equal(res.status, 303);
    assert.equal(
      res.headers.get('location'),
      'https://rp.example/cb#error=invalid_request&state=abc',
    );
  });

  test('redirect surface, form_post: an escaped auto-submitting form under a nonce CSP', async () => {
    const res = await fetch(`${url}/probe/redirect/form`);
    const html = await res.text();
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.ok(html.includes('<form method="post" action="https://rp.example/cb">'));
    assert.ok(
      html.includes('name="state" value="x&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;'),
    );
    assert.ok(html.includes('bad &lt;b&gt;thing&lt;/b&gt;'));
    assert.ok(html.includes('<button type="submit">'), 'works without script');
    const nonce = /<script nonce="([^"]+)">/.exec(html)?.[1];
    assert.ok(nonce);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.ok(csp.includes(`script-src 'nonce-${nonce}'`));
    assert.ok(csp.includes('form-action https://rp.example'));
  });

  test('HTML surface: an escaped page with a strict CSP, never a redirect', async () => {
    const res = await fetch(`${url}/probe/page`, { redirect: 'manual' });
    const html = await res.text();
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('location'), null);
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.ok(!html.includes('<img src=x'));
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  });

  test('request ids are echoed when sane and generated otherwise', async () => {
    const given = await fetch(`${url}/no/such/thing`, { headers: { 'x-request-id': 'abc-123' } });
    assert.equal(given.headers.get('x-request-id'), 'abc-123');
    const insane = await fetch(`${url}/no/such/thing`, {
      headers: { 'x-request-id': 'x'.repeat(200) },
    });
    assert.match(insane.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  test('request logs carry no credentials, cookies or tokens', async () => {
    await fetch(
      `${url}/probe/invalid-client?id_token_hint=eyJhbGciOiJSUzI1NiJ9.secret-hint&client_id=app`,
      {
        headers: {
          authorization: 'Basic Y2xpZW50OnMzY3JldA==',
          cookie: 'op_session=sess-cookie-value',
        },
      },
    );
    const log = logLines.join('');
    assert.ok(log.includes('/probe/invalid-client'));
    for (const secret of ['Y2xpZW50OnMzY3JldA==', 'sess-cookie-value', 'secret-hint'])
      assert.ok(!log.includes(secret), `${secret} leaked`);
  });
});
