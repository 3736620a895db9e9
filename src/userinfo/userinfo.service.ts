import { Inject, Injectable, Optional } from '@nestjs/common';
import { ClientsService } from '../clients/clients.service.js';
import type { Client } from '../clients/client.entity.js';
import { CLOCK, systemClock, type Clock } from '../common/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { SigningService } from '../keys/signing.service.js';
import { AccessTokens } from '../token/access-tokens.js';
import { DpopProofs, dpopTokenInvalid, type DpopRequest } from '../token/dpop.js';
import {
  accessTokenInvalid,
  accessTokenLacksScope,
  type AccessTokenScheme,
} from '../token/presented-access-token.js';
import { claimsForScopes, selectClaims, userClaims } from '../users/user-claims.js';
import { UsersService } from '../users/users.service.js';

export interface UserinfoAnswer {
  client: Client;
  /** JSON claims, or a signed JWT when the client registered `userinfo_signed_response_alg`. */
  body: Record<string, unknown> | string;
}

/** OpenID Connect Core §5.3: the claims about the user an access token may read. */
@Injectable()
export class UserinfoService {
  constructor(
    @Inject(AccessTokens) private readonly accessTokens: AccessTokens,
    @Inject(ClientsService) private readonly clients: ClientsService,
    @Inject(UsersService) private readonly users: UsersService,
    @Inject(SigningService) private readonly signing: SigningService,
    @Inject(DpopProofs) private readonly dpop: DpopProofs,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
  ) {}

  async answer(
    presented: { scheme: AccessTokenScheme; token: string },
    request: DpopRequest,
  ): Promise<UserinfoAnswer> {
    // The challenge of the scheme the token came with (RFC 6750 §3.1, RFC 9449 §7.1).
    const invalid = presented.scheme === 'DPoP' ? dpopTokenInvalid : accessTokenInvalid;
    const inspected = await this.accessTokens.inspectWithEndUser(presented.token);
    if (!inspected) throw invalid('The access token is invalid, expired or revoked');
    const { claims, endUser } = inspected;
    // RFC 9449 §7: a DPoP-bound token only with a proof by its key; an unbound one as Bearer.
    await this.dpop.atResource(presented, claims, request);
    const scope = (claims.scope ?? '').split(' ');
    if (!scope.includes('openid')) {
      throw accessTokenLacksScope('openid', 'The access token was not issued for openid');
    }
    const client = await this.clients.find(claims.client_id);
    if (!client || !endUser) throw invalid('The access token is not about a user');
    const user = await this.users.findById(endUser.userId);
    if (!user || user.disabled) throw invalid('The user is no longer active');

    const names = claimsForScopes(scope);
    for (const name of endUser.userinfoClaims) names.add(name);
    // `sub` is the token's: the same, public or pairwise, as in the ID token (Core §5.3.2).
    const released = { ...selectClaims(userClaims(user), names), sub: claims.sub };
    const alg = client.metadata.userinfo_signed_response_alg;
    if (!alg) return { client, body: released };
    const iat = Math.floor(this.clock.now() / 1000);
    return {
      client,
      body: await this.signing.sign(
        { ...released, iss: this.config.issuer, aud: client.clientId, iat },
        { alg },
      ),
    };
  }
}
