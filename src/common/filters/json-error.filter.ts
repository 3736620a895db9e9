import type { Metrics } from '../../metrics/metrics.js';
import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { allowErrorReading } from '../cors.js';
import { toOAuthError, type OutageReporter } from '../errors/to-oauth-error.js';
import { NO_STORE_NO_CACHE } from '../no-store.js';

/**
 * The default surface: RFC 6749 §5.2 JSON bodies with the error's status and headers, and the
 * CORS headers of the route's policy, so a browser client reads its errors too.
 */
@Catch()
export class JsonErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(
    private readonly outages?: OutageReporter,
    private readonly metrics?: Metrics,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const error = toOAuthError(exception, this.logger, this.outages);
    this.metrics?.oauthErrors.inc({ error: error.error, status: String(error.status) });
    if (reply.sent) return;
    allowErrorReading(http.getRequest<FastifyRequest>(), reply, exception);
    void reply
      .status(error.status)
      .headers({ ...error.headers, ...NO_STORE_NO_CACHE })
      .type('application/json; charset=utf-8')
      .send(JSON.stringify(error.toJSON()));
  }
}
