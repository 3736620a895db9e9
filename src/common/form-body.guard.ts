import { Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { InvalidRequest } from './errors/oauth-error.js';

/**
 * Parameters an endpoint accepts more than once (RFC 8707 `resource`, RFC 8693 `audience`):
 * a function when they are known only once every module is loaded (the grants of /token).
 */
export const MultiValued = (names: readonly string[] | (() => readonly string[])) =>
  SetMetadata('multiValuedParameters', names);

/**
 * The body of a form POST (`application/x-www-form-urlencoded`), else `invalid_request`.
 * Endpoints whose own parsers judge repeated parameters (`/authorize`, `/end_session`) use this
 * alone; the others use FormBodyGuard.
 */
export function requireFormBody(req: FastifyRequest, body: unknown): Record<string, unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded')
    throw new InvalidRequest('The request body must be application/x-www-form-urlencoded');
  if (typeof body !== 'object' || body === null)
    throw new InvalidRequest('The request body is empty');
  return body as Record<string, unknown>;
}

/**
 * OAuth endpoints take `application/x-www-form-urlencoded` bodies (RFC 6749 §3.2) and each
 * parameter at most once (§3.1): anything else is `invalid_request`, before any other check.
 */
@Injectable()
export class FormBodyGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const body = requireFormBody(req, req.body);
    const declared = this.reflector.get<readonly string[] | (() => readonly string[]) | undefined>(
      'multiValuedParameters',
      context.getHandler(),
    );
    const multi = typeof declared === 'function' ? declared() : (declared ?? []);
    for (const [name, value] of Object.entries(body)) {
      if (Array.isArray(value) && !multi.includes(name))
        throw new InvalidRequest(`Parameter ${name} is repeated`);
    }
    return true;
  }
}
