import type { FastifyRequest } from 'fastify';

/**
 * The request's absolute URL without the query: scheme and host as Fastify reads them (from
 * X-Forwarded-* only behind trusted proxies). What a DPoP proof's `htu` names (RFC 9449 §4.3).
 */
export function requestUrl(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}${req.url.split('?')[0]}`;
}
