import { Inject, Injectable, Optional } from '@nestjs/common';
import type { AuthenticatedClient } from '../clients/auth/client-authenticator.js';
import type { Client } from '../clients/client.entity.js';
import { ClientsService } from '../clients/clients.service.js';
import { CLOCK, systemClock, type Clock } from '../common/clock.js';
import { InvalidClient } from '../common/errors/oauth-error.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { SigningService } from '../keys/signing.service.js';
import { Subjects } from '../users/subjects.js';
import { AccessTokens, type AccessTokenClaims } from './access-tokens.js';
import { boundKey } from './dpop.js';
import { RefreshTokens } from './refresh-tokens.js';

export type IntrospectionAnswer = { active: false } | ({ active: true } & Record<string, unknown>);

/** RFC 9701 §4: the media type of a JWT introspection answer, asked for with Accept. */
export const INTROSPECTION_JWT = 'application/token-introspection+jwt';

const INACTIVE: IntrospectionAnswer = Object.freeze({ active: false });

/**
 * RFC 7662 token introspection. §4: a caller learns about a token only if it was issued to
 * the caller, is addressed to it, or the operator let the caller introspect any token; every
 * other token is reported inactive, so a stranger learns nothing (not even that it exists).
 */
@Injectable()
export class IntrospectionService {
  constructor(
    @Inject(AccessTokens) private readonly accessTokens: AccessTokens,
    @Inject(RefreshTokens) private readonly refreshTokens: RefreshTokens,
    @Inject(ClientsService) private readonly clients: ClientsService,
    @Inject(Subjects) private readonly subjects: Subjects,
    @Inject(SigningService) private readonly signing: SigningService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
  ) {}

  /**
   * RFC 9701 §5: the answer as a JWT for the caller, signed with the algorithm it registered
   * (RS256 by default). The answer is the `token_introspection` claim, never top-level claims,
   * so the JWT cannot pass for the token it describes; `typ` says what it is.
   */
  signed(caller: Client, answer: IntrospectionAnswer): Promise<string> {
    return this.signing.sign(
      {
        iss: this.config.issuer,
        aud: caller.clientId,
        iat: Math.floor(this.clock.now() / 1000),
        token_introspection: answer,
      },
      {
        alg: caller.metadata.introspection_signed_response_alg ?? 'RS256',
        typ: 'token-introspection+jwt',
      },
    );
  }

  async introspect(
    { client: caller, method }: AuthenticatedClient,
    token: string,
  ): Promise<IntrospectionAnswer> {
    // §2.1: the caller must be authorised; a public client cannot be.
    if (method === 'none') throw new InvalidClient('Public clients may not introspect tokens');
    // token_type_hint is only a hint (§2.1): every kind we issue is tried.
    const claims = await this.accessTokens.inspect(token);
    if (claims) {
      if (!mayIntrospectAccessToken(caller, claims)) return INACTIVE;
      // A deleted client's tokens are no longer active, though they still verify offline.
      if (!(await this.clients.find(claims.client_id))) return INACTIVE;
      // RFC 9449 §6.2: a bound token says so, with its cnf (among the claims).
      return { active: true, token_type: boundKey(claims) ? 'DPoP' : 'Bearer', ...claims };
    }
    const refresh = await this.refreshTokens.inspect(token);
    // A refresh token is for the client that holds it alone (RFC 6749 §1.5): no audience.
    if (!refresh || !mayIntrospectOwnedToken(caller, refresh.clientId)) return INACTIVE;
    const owner = await this.clients.find(refresh.clientId);
    if (!owner) return INACTIVE;
    return {
      active: true,
      token_type: 'refresh_token',
      iss: this.config.issuer,
      sub: this.subjects.subjectFor(refresh.userId, owner.metadata),
      client_id: refresh.clientId,
      scope: refresh.scope.join(' '),
      iat: refresh.iat,
      exp: refresh.exp,
      auth_time: refresh.authTime,
    };
  }
}

function mayIntrospectOwnedToken(caller: Client, ownerId: string): boolean {
  return caller.clientId === ownerId || caller.metadata.introspect_any_token;
}

function mayIntrospectAccessToken(caller: Client, claims: AccessTokenClaims): boolean {
  if (mayIntrospectOwnedToken(caller, claims.client_id)) return true;
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  const served = caller.metadata.introspection_audiences;
  return audiences.some((aud) => aud === caller.clientId || served.includes(aud));
}
