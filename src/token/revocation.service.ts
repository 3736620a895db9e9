import { Inject, Injectable } from '@nestjs/common';
import type { Client } from '../clients/client.entity.js';
import { UnauthorizedClient } from '../common/errors/oauth-error.js';
import { AccessTokens } from './access-tokens.js';
import { RefreshTokens } from './refresh-tokens.js';

/**
 * RFC 7009 token revocation. A token the caller holds is revoked; a token issued to another
 * client is refused (§2.1); one that is unknown, expired or already revoked needs nothing
 * done and is answered the same as success (§2.2).
 */
@Injectable()
export class RevocationService {
  constructor(
    @Inject(AccessTokens) private readonly accessTokens: AccessTokens,
    @Inject(RefreshTokens) private readonly refreshTokens: RefreshTokens,
  ) {}

  async revoke(caller: Client, token: string): Promise<void> {
    // token_type_hint is only a hint (§2.1): every kind we issue is tried.
    const claims = await this.accessTokens.inspect(token);
    if (!claims) {
      // A refresh token revokes its whole family (RFC 7009 §2.1, RFC 9700 §4.14).
      const family = await this.refreshTokens.familyOf(token, caller.clientId);
      if (family && 'otherClient' in family) throw notIssuedToCaller();
      if (family) await this.refreshTokens.revokeFamily(family.familyId);
      return;
    }
    if (claims.client_id !== caller.clientId) throw notIssuedToCaller();
    await this.accessTokens.revoke(claims);
  }
}

const notIssuedToCaller = () => new UnauthorizedClient('The token was not issued to this client');
