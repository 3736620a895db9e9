import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { allowOrigin, OriginNotAllowed } from '../../common/cors.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AuthenticatedClient } from './client-authenticator.js';

/**
 * Client-based CORS for the endpoints a browser client calls directly (`/token`, `/introspect`,
 * `/revoke`): after authentication, a cross-origin request is served, with the CORS headers
 * that let the page read the answer, only when its `Origin` is one of the client's
 * `cors_allowed_origins`. Any other origin is refused before anything is issued. Requests
 * without `Origin` (servers) are untouched. Errors are readable from any origin, this guard's
 * refusal excepted (the error filter, by the route's `client` CORS policy).
 */
@Injectable()
export class ClientCorsGuard implements CanActivate {
  private readonly ownOrigin: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.ownOrigin = new URL(config.issuer).origin;
  }

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const req = http.getRequest<FastifyRequest & { user?: AuthenticatedClient }>();
    const origin = req.headers.origin;
    if (origin === undefined || origin === this.ownOrigin) return true;
    const allowed = req.user?.client.metadata.cors_allowed_origins ?? [];
    if (!allowed.includes(origin)) throw new OriginNotAllowed();
    allowOrigin(http.getResponse<FastifyReply>(), origin);
    return true;
  }
}
