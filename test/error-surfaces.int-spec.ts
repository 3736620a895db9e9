import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { Body, Controller, Get, Module, Post, UseFilters } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { applyErrorFilters, createAdapter } from '../src/app.factory.js';
import {
  InvalidClient,
  InvalidRequest,
  OAuthRedirectError,
} from '../src/common/errors/oauth-error.js';
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

  @Get('page')
  @UseFilters(HtmlErrorFilter)
  page(): never {
    throw new InvalidRequest('redirect_uri <img src=x onerror=alert(1)> is not registered');
  }
}

// The HTML surface renders with the pages' default branding.
@Module({
  controllers: [ProbeController],
  providers: [{ provide: Pages, useValue: defaultPages() }],
})
class ProbeModule {}

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
    app = await NestFactory.create<NestFastifyApplication>(ProbeModule, createAdapter(logger), {
      logger: new PinoNestLogger(logger),
      abortOnError: false,
    });
    applyErrorFilters(app);
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
