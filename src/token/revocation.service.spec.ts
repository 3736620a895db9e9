import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '../clients/client.entity.js';
import { UnauthorizedClient } from '../common/errors/oauth-error.js';
import type { AccessTokenClaims, AccessTokens } from './access-tokens.js';
import type { RefreshTokens } from './refresh-tokens.js';
import { RevocationService } from './revocation.service.js';

const caller = { clientId: 'orders' } as Client;

/** A service over fakes: `access` maps tokens to claims, `families` refresh tokens to owners. */
function revocation(
  access: Record<string, Partial<AccessTokenClaims>>,
  families: Record<string, { familyId: string; clientId: string }>,
) {
  const revoked: string[] = [];
  const accessTokens = {
    inspect: (token: string) => Promise.resolve(access[token] as AccessTokenClaims | undefined),
    revoke: (claims: AccessTokenClaims) => {
      revoked.push(`access ${claims.jti}`);
      return Promise.resolve();
    },
  } as unknown as AccessTokens;
  const refreshTokens = {
    familyOf: (token: string, clientId: string) => {
      const family = families[token];
      if (!family) return Promise.resolve(undefined);
      return Promise.resolve(
        family.clientId === clientId ? { familyId: family.familyId } : { otherClient: true },
      );
    },
    revokeFamily: (familyId: string) => {
      revoked.push(`family ${familyId}`);
      return Promise.resolve();
    },
  } as unknown as RefreshTokens;
  return { service: new RevocationService(accessTokens, refreshTokens), revoked };
}

test('the caller’s access token is denied; its refresh token takes its family', async () => {
  const { service, revoked } = revocation(
    { at: { jti: 'j1', client_id: 'orders' } },
    { rt: { familyId: 'f1', clientId: 'orders' } },
  );
  await service.revoke(caller, 'at');
  await service.revoke(caller, 'rt');
  assert.deepEqual(revoked, ['access j1', 'family f1']);
});

test('another client’s token is unauthorized_client, and nothing is revoked (RFC 7009 §2.1)', async () => {
  const { service, revoked } = revocation(
    { at: { jti: 'j1', client_id: 'billing' } },
    { rt: { familyId: 'f1', clientId: 'billing' } },
  );
  for (const token of ['at', 'rt'])
    await assert.rejects(service.revoke(caller, token), UnauthorizedClient, token);
  assert.deepEqual(revoked, []);
});

test('an unknown token needs nothing done and is not an error (RFC 7009 §2.2)', async () => {
  const { service, revoked } = revocation({}, {});
  await service.revoke(caller, 'unknown');
  assert.deepEqual(revoked, []);
});
