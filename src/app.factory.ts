import { setLogDigestKey } from './common/logging/log-digest.js';
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Bindings, ChildLoggerOptions, Logger } from 'pino';
import { AppModule } from './app.module.js';
import type { CorsPolicy } from './common/cors.js';
import { JsonErrorFilter } from './common/filters/json-error.filter.js';
import { RedirectErrorFilter } from './common/filters/redirect-error.filter.js';
import { createLogger, PinoNestLogger, requestLogger } from './common/logging/logger.js';
import { issuerPath } from './common/urls.js';
import { ProviderMetadataService } from './discovery/discovery.service.js';
import type { AppConfig } from './config/app-config.js';
import type { Clock } from './common/clock.js';
import { DPOP_SECURITY, DPOP_SECURITY_SCHEME } from './token/dpop.openapi.js';

/** Generous for OAuth forms and JWTs; anything larger is refused with 413 before parsing. */
const BODY_LIMIT_BYTES = 64 * 1024;
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The Fastify adapter with the provider's logging, request ids, limits and default headers. */
export function createAdapter(
  logger: Logger,
  trustProxy?: AppConfig['trustProxy'],
): FastifyAdapter {
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
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
  adapter.getInstance().addHook('onRequest', (req, reply, done) => {
    void reply.headers({
      'x-request-id': req.id,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    });
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

/**
 * For HTML that does not bring its own policy: the Swagger UI loads its scripts and styles from
 * here, sets inline styles and data: images, and calls the API from the page.
 */
const DEFAULT_HTML_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** The error surfaces every endpoint shares. */
export function applyErrorFilters(app: NestFastifyApplication): void {
  // Filters are tried last-registered first: the redirect surface before the JSON default.
  app.useGlobalFilters(new JsonErrorFilter(), new RedirectErrorFilter());
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
    createAdapter(logger, config.trustProxy),
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
