import { applyDecorators, Header } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InvalidRequest } from './errors/oauth-error.js';

/**
 * Headers a page may read beside the body: the challenges of the errors (RFC 6750 §3,
 * RFC 6749 §5.2 Basic, RFC 9449 §8 nonces) are what a browser client acts on.
 */
export const EXPOSED_HEADERS = 'www-authenticate, dpop-nonce';

/**
 * Which pages may read an endpoint's answers.
 * - `any`: every origin, every answer (discovery and the JWKS are public documents).
 * - `client`: a success only from one of the client's `cors_allowed_origins`, decided once the
 *   client is known (ClientCorsGuard, UserInfo); an error from any origin, so the page sees the
 *   error and its `WWW-Authenticate` challenge instead of a network failure. An error carries
 *   nothing a server could not learn by asking itself, and no credentials are ever allowed.
 */
export type CorsPolicy = 'any' | 'client';

/** Marks a route with its CORS policy, which the error filter reads from the route's config. */
export const CorsEndpoint = (policy: CorsPolicy) => RouteConfig({ cors: policy });

/** A public document: its answers, errors included, are readable from any origin. */
export const AnyOrigin = () =>
  applyDecorators(CorsEndpoint('any'), Header('access-control-allow-origin', '*'));

/** An origin the client did not allow: refused, and the page may not read even that. */
export class OriginNotAllowed extends InvalidRequest {
  constructor() {
    super('This origin is not allowed for the client (cors_allowed_origins)');
  }
}

/**
 * CORS for endpoints browser clients call directly. A preflight is answered for any origin:
 * whether the page may read the real answer is decided per client once the client is known
 * (its `cors_allowed_origins`), by `allowOrigin`.
 */
export function answerPreflight(
  reply: FastifyReply,
  origin: string | undefined,
  allow: { methods: string; headers: string },
): void {
  if (origin === undefined) return;
  void reply.headers({
    'access-control-allow-origin': origin,
    'access-control-allow-methods': allow.methods,
    'access-control-allow-headers': allow.headers,
    'access-control-max-age': '600',
    vary: 'origin',
  });
}

/** Lets a page of `origin` read this answer and the exposed headers beside it. */
export function allowOrigin(reply: FastifyReply, origin: string): void {
  void reply
    .header('access-control-allow-origin', origin)
    .header('access-control-expose-headers', EXPOSED_HEADERS)
    .header('vary', 'origin');
}

/**
 * The CORS headers of an error answer, by the policy of the route that failed: whatever
 * failed (the body parser, a guard, the handler), a page that may call the endpoint reads why.
 */
export function allowErrorReading(
  req: FastifyRequest,
  reply: FastifyReply,
  exception: unknown,
): void {
  const policy = (req.routeOptions?.config as { cors?: CorsPolicy } | undefined)?.cors;
  if (policy === 'any') {
    void reply
      .header('access-control-allow-origin', '*')
      .header('access-control-expose-headers', EXPOSED_HEADERS);
    return;
  }
  const origin = req.headers.origin;
  if (policy !== 'client' || origin === undefined) return;
  if (exception instanceof OriginNotAllowed) {
    void reply.header('vary', 'origin');
    return;
  }
  allowOrigin(reply, origin);
}
