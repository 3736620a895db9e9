import type { FastifyRequest } from 'fastify';
import { requireFormBody } from '../common/form-body.guard.js';
import type { RawParameters } from './authorization-request.js';

/**
 * Where an authorization request's parameters come from: the query of a GET, or the form body
 * of a POST (OpenID Connect Core §3.1.2.1). This is the one step before validation, so a pushed
 * request (`request_uri`, RFC 9126) or a request object (RFC 9101) resolves here to the
 * parameters it stands for, and everything after sees resolved parameters only.
 */
export function resolveAuthorizationParameters(req: FastifyRequest, body?: unknown): RawParameters {
  if (req.method === 'POST') return requireFormBody(req, body) as RawParameters;
  return (req.query as RawParameters | undefined) ?? {};
}
