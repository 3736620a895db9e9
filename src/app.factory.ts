import { Metrics } from './metrics/metrics.js';
import { setLogDigestKey } from './common/logging/log-digest.js';
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Bindings, ChildLoggerOptions, Logger } from 'pino';
import { AppModule } from './app.module.js';
import type { CorsPolicy } from './common/cors.js';
import { JsonErrorFilter } from './common/filters/json-error.filter.js';
import { RedirectErrorFilter } from './common/filters/redirect-error.filter.js';
import { createLogger, PinoNestLogger, requestLogger } from './common/logging/logger.js';
import { refuseDeepJson, refuseUnsafeText } from './common/json-body.js';
import { NO_STORE_NO_CACHE } from './common/no-store.js';
import { toOAuthError } from './common/errors/to-oauth-error.js';
import { issuerPath } from './common/urls.js';
import { ProviderMetadataService } from './discovery/discovery.service.js';
import type { AppConfig } from './config/app-config.js';
import type { Clock } from './common/clock.js';
import type { OutageReporter } from './common/errors/to-oauth-error.js';
import { Outages } from './health/outages.js';
import { DPOP_SECURITY, DPOP_SECURITY_SCHEME } from './token/dpop.openapi.js';

/** Generous for OAuth forms and JWTs; anything larger is refused with 413 before parsing. */
const BODY_LIMIT_BYTES = 64 * 1024;
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The Fastify adapter with the provider's logging, request ids, limits and default headers. */
/**
 * Fastify's JSON parser (proto poisoning refused) inside the provider's own checks, registered
 * as Nest's body parser for JSON so Nest does not add its default one.
 */
function registerJsonParser(adapter: FastifyAdapter): void {
  const fastify = adapter.getInstance();
  const parse = fastify.getDefaultJsonParser('error', 'error');
  if (fastify.hasContentTypeParser('application/json')) {
    fastify.removeContentTypeParser('application/json');
  }
  adapter.useBodyParser(
    'application/json',
    false,
    { bodyLimit: BODY_LIMIT_BYTES },
    (req: FastifyRequest, body: Buffer, done: (error: Error | null, value?: unknown) => void) => {
      const text = body.toString('utf8');
      try {
        refuseDeepJson(text);
      } catch (e) {
        return done(e as Error);
      }
      void parse(req, text, (error: Error | null, value?: unknown) => {
        if (error) return done(error);
        try {
          refuseUnsafeText(value);
        } catch (e) {
          return done(e as Error);
        }
        done(null, value);
      });
    },
  );
}

/** What every answer carries, with its `x-request-id`. */
const BASE_HEADERS = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };

const frameworkLogger = new NestLogger('Errors');

/** How often Node looks for requests past the read timeout (its default is 30 s). */
const TIMEOUT_CHECK_INTERVAL_MS = 500;

export function createAdapter(
  logger: Logger,
  trustProxy?: AppConfig['trustProxy'],
  connections: AppConfig['connections'] = DEFAULT_CONNECTIONS,
): FastifyAdapter {
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    // A request must arrive whole within the read timeout (408 otherwise, see clientError).
    requestTimeout: connections.readTimeout,
    keepAliveTimeout: connections.idleTimeout,
    http: {
      headersTimeout: connections.readTimeout,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
    },
    clientErrorHandler: answerClientError,
    // A malformed or over-long path, refused by the router before any hook or route.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const answer = toOAuthError(error, frameworkLogger);
      void reply
        .status(answer.status)
        .headers({ ...BASE_HEADERS, ...NO_STORE_NO_CACHE, 'x-request-id': request.id })
        .type('application/json; charset=utf-8')
        .send(JSON.stringify(answer.toJSON()));
    },
    // Off unless TRUST_PROXY names the proxies: request.ip is then the forwarded client address.
    ...(trustProxy !== undefined && { trustProxy }),
    // Fastify's parent is this same logger; ours is typed as pino's.
    childLoggerFactory: (_parent: unknown, bindings: Bindings, options: ChildLoggerOptions) =>
      requestLogger(logger, bindings, options),
    bodyLimit: BODY_LIMIT_BYTES,
    // Client ids may be 200 characters and resource identifiers 300 (URL-encoded in the
    // admin API's paths, up to three times as long); longer path parameters get 414.
    routerOptions: { maxParamLength: 1024 },
    // Take a caller's request id when it is sane, so logs correlate across services.
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    return503OnClosing: true,
  });
  // Beyond it, Node closes each new connection as it arrives.
  adapter.getInstance().server.maxConnections = connections.max;
  registerJsonParser(adapter);
  adapter.getInstance().addHook('onRequest', (req, reply, done) => {
    void reply.headers({ ...BASE_HEADERS, 'x-request-id': req.id });
    done();
  });
  // The one place every HTML answer (pages, form_post, error pages, the Swagger UI at /docs)
  // gets its framing and script rules; routes that render their own CSP keep it.
  adapter.getInstance().addHook('onSend', (_req, reply, payload, done) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('text/html')) {
      void reply.header('x-frame-options', 'DENY');
      if (!reply.hasHeader('content-security-policy'))
        void reply.header('content-security-policy', DEFAULT_HTML_CSP);
    }
    done(null, payload);
  });
  return adapter;
}

const DEFAULT_CONNECTIONS: AppConfig['connections'] = {
  readTimeout: 6_000,
  idleTimeout: 30_000,
  max: 4096,
};

/** Answers for what Node's HTTP parser refuses before any route sees it. */
const CLIENT_ERRORS: Record<string, [number, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'The request did not arrive in time'],
  HPE_HEADER_OVERFLOW: [431, 'The request line or headers are too large'],
};

/**
 * Node's `clientError`: a request too slow, too large or malformed for the HTTP parser. It is
 * answered in the provider's error format and headers, then the connection is closed.
 */
function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const [status, description] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'Malformed request'];
    const body = JSON.stringify({ error: 'invalid_request', error_description: description });
    const headers = {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      ...NO_STORE_NO_CACHE,
      ...BASE_HEADERS,
      'x-request-id': randomUUID(),
      connection: 'close',
    };
    const head = Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head}\r\n${body}`);
  }
  socket.destroy();
}

/**
 * For HTML that does not bring its own policy: the Swagger UI loads its scripts and styles from
 * here, sets inline styles and data: images, and calls the API from the page.
 */
const DEFAULT_HTML_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** The error surfaces every endpoint shares. */
export function applyErrorFilters(
  app: NestFastifyApplication,
  outages: OutageReporter = app.get(Outages),
  metrics: Metrics | undefined = app.get(Metrics),
): void {
  // Filters are tried last-registered first: the redirect surface before the JSON default.
  app.useGlobalFilters(new JsonErrorFilter(outages, metrics), new RedirectErrorFilter(metrics));
}

/** Builds and initialises the provider, ready to listen. Shared by `main` and the end-to-end tests. */
export async function createApp(
  config: AppConfig,
  logger: Logger = createLogger(config.logLevel),
  options: { clock?: Clock } = {},
): Promise<NestFastifyApplication> {
  setLogDigestKey(config.keys.encryptionSecret);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, options),
    createAdapter(logger, config.trustProxy, config.connections),
    {
      logger: new PinoNestLogger(logger),
      abortOnError: false,
    },
  );
  applyErrorFilters(app);
  const prefix = issuerPath(config);
  if (prefix) {
    // Every endpoint lives under the issuer's path; probes stay at the root for orchestrators.
    app.setGlobalPrefix(prefix, { exclude: ['health/live', 'health/ready'] });
    // RFC 8414 §3.1: for an issuer with a path, the well-known segment comes first.
    const metadata = app.get(ProviderMetadataService);
    app
      .getHttpAdapter()
      .getInstance()
      .get(
        `/.well-known/oauth-authorization-server${prefix}`,
        { config: { cors: 'any' satisfies CorsPolicy } },
        (_req, reply) => {
          void reply
            .header('cache-control', 'public, max-age=300')
            .header('access-control-allow-origin', '*')
            .type('application/json; charset=utf-8')
            .send(metadata.json);
        },
      );
  }

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('OpenID Provider')
      .setDescription('OpenID Connect 1.0 Provider and OAuth 2.0 Authorization Server')
      .setVersion('0.1.0')
      .addServer(config.issuer)
      .addBearerAuth({
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          'An access token of this provider (RFC 9068 JWT). The admin API needs the admin scope: POST /token with grant_type=client_credentials&scope=admin as the ADMIN_CLIENT_ID client.',
      })
      .addSecurity(DPOP_SECURITY, DPOP_SECURITY_SCHEME)
      .addBasicAuth(
        {
          type: 'http',
          scheme: 'basic',
          description:
            'client_secret_basic (RFC 6749 §2.3.1): the URL-encoded client_id and client_secret. client_secret_post, client_secret_jwt and private_key_jwt go in the form body instead.',
        },
        'client_secret_basic',
      )
      .build(),
  );
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: 'OpenID Provider API',
  });
  try {
    await app.init();
  } catch (e) {
    // A failed start (a bad CLIENTS_FILE, say) must not leave connections or the embedded
    // database open behind it.
    await app.close().catch(() => undefined);
    throw e;
  }
  return app;
}
