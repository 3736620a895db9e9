import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { logDestination, REDACT_PATHS, redactUrl, requestLogger } from './logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ redact: { paths: REDACT_PATHS, censor: '[Redacted]' } }, stream), lines };
}

test('authorization headers, cookies and secret fields are redacted', () => {
  const { logger, lines } = capture();
  logger.info({
    req: { headers: { authorization: 'Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW', cookie: 'sid=abc123' } },
    body: { client_secret: 'hunter2-secret', grant_type: 'client_credentials' },
    user: { password: 'p@ssw0rd' },
    refresh_token: 'rt-value',
  });
  const line = lines.join('');
  for (const secret of [
    'czZCaGRSa3F0MzpnWDFmQmF0M2JW',
    'abc123',
    'hunter2-secret',
    'p@ssw0rd',
    'rt-value',
  ]) {
    assert.ok(!line.includes(secret), `${secret} leaked: ${line}`);
  }
  assert.ok(line.includes('client_credentials'));
});

test('an error code stays readable; an authorization code in a body does not', () => {
  const { logger, lines } = capture();
  logger.error({ err: { code: 'ECONNREFUSED' }, body: { code: 'SplxlOBeZQQYbYS6WxSbIA' } });
  const line = lines.join('');
  assert.ok(line.includes('ECONNREFUSED'));
  assert.ok(!line.includes('SplxlOBeZQQYbYS6WxSbIA'));
});

test('secret query parameters are redacted from logged URLs', () => {
  assert.equal(
    redactUrl('/authorize?client_id=a&id_token_hint=eyJabc'),
    '/authorize?client_id=a&id_token_hint=%5BRedacted%5D',
  );
  assert.equal(redactUrl('/health/live'), '/health/live');
  assert.ok(
    !redactUrl('/cb?code=SplxlOBeZQQYbYS6WxSbIA&state=x').includes('SplxlOBeZQQYbYS6WxSbIA'),
  );
});

test('the per-request logger makes its child only when it writes, with the bindings and redaction', (t) => {
  const { logger, lines } = capture();
  logger.level = 'warn';
  const child = t.mock.method(logger, 'child');
  const quiet = requestLogger(logger, { reqId: 'req-1' }, {});
  quiet.info('below the level');
  quiet.debug({ body: { client_secret: 'nope' } });
  assert.equal(child.mock.callCount(), 0);
  assert.equal(lines.length, 0);
  assert.equal(quiet.level, 'warn');

  const loud = requestLogger(logger, { reqId: 'req-2' }, {});
  loud.warn({ body: { client_secret: 'hunter2-secret' } }, 'slow client');
  loud.error('and again');
  assert.equal(child.mock.callCount(), 1);
  const [first, second] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(first.reqId, 'req-2');
  assert.equal(first.msg, 'slow client');
  assert.deepEqual(first.body, { client_secret: '[Redacted]' });
  assert.equal(second.reqId, 'req-2');
});

test('readable lines in a terminal outside production; JSON for collectors and in production', () => {
  assert.equal(logDestination({ production: true, terminal: true }), undefined);
  assert.equal(logDestination({ production: false, terminal: false }), undefined);
  assert.equal(logDestination({ production: false, terminal: true, format: 'json' }), undefined);
  const pretty = logDestination({ production: false, terminal: true });
  assert.ok(pretty, 'pino-pretty, a development dependency, is installed here');
  (pretty as unknown as { end(): void }).end();
});
