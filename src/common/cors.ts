import type { FastifyReply } from 'fastify';

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

/** Lets a page of `origin` read this answer and the `exposed` headers beside it. */
export function allowOrigin(reply: FastifyReply, origin: string, exposed: string): void {
  void reply
    .header('access-control-allow-origin', origin)
    .header('access-control-expose-headers', exposed)
    .header('vary', 'origin');
}
