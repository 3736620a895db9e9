import {
  applyDecorators,
  createParamDecorator,
  Inject,
  Injectable,
  Logger,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { AuthGuard, type IAuthGuard } from '@nestjs/passport';
import { ApiSecurity } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CorsEndpoint } from '../../common/cors.js';
import { InvalidClient } from '../../common/errors/oauth-error.js';
import { FormBodyGuard } from '../../common/form-body.guard.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import {
  ClientAuthenticator,
  ClientAuthLimited,
  ClientAuthRefused,
  type AuthenticatedClient,
} from './client-authenticator.js';
import { ClientCorsGuard } from './client-cors.guard.js';
import { presentedMethods, type PresentedMethod } from './presented-credentials.js';
import { CALLED_ENDPOINT, CLIENT_AUTHENTICATOR } from './strategies.js';

const STRATEGY: Record<PresentedMethod, string> = {
  client_secret_basic: 'client_secret_basic',
  client_secret_post: 'client_secret_post',
  jwt: 'client_assertion',
  none: 'client_none',
};

/**
 * Finds exactly one client authentication method in the request and runs its passport
 * strategy. None, two, or one the client did not register are `invalid_client` (401), with
 * `WWW-Authenticate: Basic` when Basic was tried (RFC 6749 §5.2). A refusal after the client
 * is named answers only "Client authentication failed" and logs its reason, unless
 * ENABLE_CLIENT_DEBUG_MESSAGES puts the reason in the answer for integration work.
 */
@Injectable()
export class ClientAuthGuard implements CanActivate {
  private readonly guards = new Map<PresentedMethod, IAuthGuard>(
    Object.entries(STRATEGY).map(([method, name]) => [
      method as PresentedMethod,
      new (AuthGuard(name))(),
    ]),
  );
  private readonly origin: string;
  private readonly debugMessages: boolean;
  private readonly logger = new Logger('ClientAuth');

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(ClientAuthenticator) private readonly authenticator: ClientAuthenticator,
  ) {
    this.origin = new URL(config.issuer).origin;
    this.debugMessages = config.clientAuth.debugMessages;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const methods = presentedMethods(
      req.headers.authorization,
      req.body as Record<string, unknown>,
    );
    const triedBasic = methods.includes('client_secret_basic');
    try {
      if (methods.length === 0) throw new InvalidClient('Client authentication is required');
      if (methods.length > 1)
        throw new InvalidClient(
          `Use one client authentication method, not ${methods.join(' and ')}`,
        );
      // The issuer's origin and the route, never the Host header: an assertion's aud may name it.
      const marks = req as unknown as Record<symbol, unknown>;
      marks[CALLED_ENDPOINT] = this.origin + req.routeOptions.url;
      marks[CLIENT_AUTHENTICATOR] = this.authenticator;
      return (await this.guards.get(methods[0])!.canActivate(context)) as boolean;
    } catch (e) {
      const answer = this.explained(e);
      if (triedBasic && answer instanceof InvalidClient)
        answer.withChallenge('Basic', { realm: 'openid-provider' });
      throw answer;
    }
  }

  /** Logs why a named client was refused (an unknown id is not logged: it may be a typo'd secret). */
  private explained(e: unknown): unknown {
    if (!(e instanceof ClientAuthRefused) && !(e instanceof ClientAuthLimited)) return e;
    const who = e.clientId === undefined ? 'an unknown client' : `client ${e.clientId}`;
    const limited = e instanceof ClientAuthLimited ? ' (limited: too many failures)' : '';
    this.logger.warn(`Client authentication failed for ${who}${limited}: ${e.reason}`);
    return e instanceof ClientAuthRefused && this.debugMessages ? new InvalidClient(e.reason) : e;
  }
}

/**
 * The form-body checks, client authentication, the client's CORS origins (and its errors
 * readable from any origin), and the Swagger security that says so.
 */
export const ClientAuthenticated = () =>
  applyDecorators(
    CorsEndpoint('client'),
    UseGuards(FormBodyGuard, ClientAuthGuard, ClientCorsGuard),
    ApiSecurity('client_secret_basic'),
  );

/** The authenticated client of the request. */
export const CurrentClient = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedClient =>
    context.switchToHttp().getRequest<FastifyRequest & { user: AuthenticatedClient }>().user,
);
