import type { Metrics } from '../../metrics/metrics.js';
import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { sendErrorToClient } from '../client-response.js';
import { OAuthRedirectError } from '../errors/oauth-error.js';

/** The redirect surface: errors that `/authorize` can return to a validated redirect URI. */
@Catch(OAuthRedirectError)
export class RedirectErrorFilter implements ExceptionFilter {
  constructor(private readonly metrics?: Metrics) {}

  catch(e: OAuthRedirectError, host: ArgumentsHost): void {
    this.metrics?.oauthErrors.inc({ error: e.oauthError.error, status: '303' });
    sendErrorToClient(host.switchToHttp().getResponse<FastifyReply>(), e);
  }
}
