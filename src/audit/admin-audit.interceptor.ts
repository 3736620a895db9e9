import {
  type CallHandler,
  type ExecutionContext,
  Inject,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Observable, tap } from 'rxjs';
import { addressUnit } from '../common/client-address.js';
import { OAuthError } from '../common/errors/oauth-error.js';
import { AuditLog } from './audit-log.js';

/**
 * Records every change made through a route it guards (anything but GET and HEAD) as an
 * `admin.action`: who (the admin client), the route and its parameters, and the status. Not
 * the body: it may carry a password or a private key.
 */
@Injectable()
export class AdminAudit implements NestInterceptor {
  constructor(@Inject(AuditLog) private readonly audit: AuditLog) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const req = http.getRequest<FastifyRequest & { adminClientId?: string }>();
    if (req.method === 'GET' || req.method === 'HEAD') return next.handle();
    const record = (status: number) =>
      this.audit.record({
        type: 'admin.action',
        actor: req.adminClientId,
        address: addressUnit(req.ip),
        detail: {
          method: req.method,
          route: req.routeOptions.url,
          params: req.params,
          status,
        },
      });
    return next.handle().pipe(
      tap({
        next: () => void record(http.getResponse<FastifyReply>().statusCode),
        error: (e: unknown) => void record(e instanceof OAuthError ? e.status : 500),
      }),
    );
  }
}
