import { AdminAudit } from '../audit/admin-audit.interceptor.js';
import {
  applyDecorators,
  createParamDecorator,
  Inject,
  Injectable,
  SetMetadata,
  UseGuards,
  UseInterceptors,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiSecurity,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ClientsService } from '../clients/clients.service.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { requestUrl } from '../common/request-url.js';
import { AccessTokens, type AccessTokenClaims } from './access-tokens.js';
import { DpopProofs, dpopTokenInvalid } from './dpop.js';
import { DPOP_SECURITY } from './dpop.openapi.js';
import {
  accessTokenInvalid,
  accessTokenLacksScope,
  accessTokenRequired,
  presentedAccessToken,
} from './presented-access-token.js';

const REQUIRED_SCOPE = 'bearer:required-scope';
const REQUIRED_AUDIENCE = 'bearer:required-audience';
const CLAIMS = Symbol('bearer claims');

/**
 * Accepts a request carrying one of our access tokens (signature, issuer, expiry and the
 * revocation deny list checked; a DPoP-bound one with its proof, RFC 9449 §7) that holds the required scope, issued to a client that still
 * exists and is still allowed that scope. RFC 6750 §3.1: no token is a
 * bare `Bearer` challenge, a bad one `invalid_token` (401), a missing scope
 * `insufficient_scope` (403).
 */
@Injectable()
export class BearerScopeGuard implements CanActivate {
  constructor(
    @Inject(AccessTokens) private readonly tokens: AccessTokens,
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(ClientsService) private readonly clients: ClientsService,
    @Inject(DpopProofs) private readonly dpop: DpopProofs,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const scope = this.reflector.getAllAndOverride<string>(REQUIRED_SCOPE, [
      context.getHandler(),
      context.getClass(),
    ]);
    const req = context
      .switchToHttp()
      .getRequest<FastifyRequest & { [CLAIMS]?: AccessTokenClaims; adminClientId?: string }>();
    const presented = presentedAccessToken({ authorization: req.headers.authorization });
    if (presented.kind === 'absent') throw accessTokenRequired('A bearer access token is required');
    const claims =
      presented.kind === 'token' ? await this.tokens.inspect(presented.token) : undefined;
    // The token speaks for its client only while the client exists: a deleted client's
    // tokens stop here, as at /introspect.
    const client = claims && (await this.clients.find(claims.client_id));
    if (!claims || !client) {
      const invalid =
        presented.kind === 'token' && presented.scheme === 'DPoP'
          ? dpopTokenInvalid
          : accessTokenInvalid;
      throw invalid('The access token is invalid, expired or revoked');
    }
    // RFC 9449 §7: a DPoP-bound token only with a proof by its key, an unbound one as Bearer.
    if (presented.kind === 'token')
      await this.dpop.atResource(presented, claims, {
        headers: req.headers,
        method: req.method,
        url: requestUrl(req),
      });
    // The scope must be in the token and still be the client's: taking it from the client
    // takes it from the tokens already issued.
    const held = (claims.scope ?? '').split(' ').includes(scope);
    if (!held || !client.metadata.scope.split(' ').includes(scope)) {
      throw accessTokenLacksScope(scope, `The access token lacks the ${scope} scope`);
    }
    const audience = this.reflector.getAllAndOverride<string | undefined>(REQUIRED_AUDIENCE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (audience !== undefined && !this.meantFor(claims, this.config.issuer + audience)) {
      throw accessTokenInvalid(`The access token is not meant for ${audience}`);
    }
    req[CLAIMS] = claims;
    // For the audit of what this client changes (AdminAudit).
    req.adminClientId = claims.client_id;
    return true;
  }

  /**
   * RFC 9068 §4 and RFC 8707: a token names the resource it is for, or, with only the issuer
   * as its audience, no other service; a token for another service is not accepted here.
   */
  private meantFor(claims: AccessTokenClaims, resource: string): boolean {
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    return aud.includes(resource) || (aud.length === 1 && aud[0] === this.config.issuer);
  }
}

/**
 * Guards a controller or route with a bearer access token holding `scope`; with `audience` (a
 * path under the issuer, its resource identifier), also meant for that resource.
 */
/** Bearer access for the admin API; every change through it is an audit event (AdminAudit). */
export const RequireScope = (scope: string, options: { audience?: string } = {}) =>
  applyDecorators(
    SetMetadata(REQUIRED_SCOPE, scope),
    SetMetadata(REQUIRED_AUDIENCE, options.audience),
    UseGuards(BearerScopeGuard),
    UseInterceptors(AdminAudit),
    ApiBearerAuth(),
    ApiSecurity(DPOP_SECURITY),
    ApiUnauthorizedResponse({
      description: 'No access token, or an invalid, expired or revoked one',
    }),
    ApiForbiddenResponse({ description: `The access token lacks the ${scope} scope` }),
  );

/** The claims of the bearer token that let the request in. */
export const BearerClaims = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AccessTokenClaims =>
    context.switchToHttp().getRequest<{ [CLAIMS]: AccessTokenClaims }>()[CLAIMS],
);
