import { AuthorizationCodes, type CodeGrant } from '../../src/authorization/authorization-codes.js';
import type { RunningProvider } from './provider.js';
import { postForm } from './clients.js';

export const CODE_REDIRECT_URI = 'https://app.example.com/cb';

/** What `/authorize` binds a code to, for a user and a client; tests override parts. */
export function codeGrant(
  clientId: string,
  userId: string,
  overrides: Partial<CodeGrant> = {},
): CodeGrant {
  return {
    clientId,
    redirectUri: CODE_REDIRECT_URI,
    redirectUriSent: true,
    nonce: 'nonce-for-the-id-token',
    scope: ['openid', 'email'],
    claims: {},
    resources: [],
    userId,
    sessionId: 'a-session-id',
    authTime: Math.floor(Date.now() / 1000) - 5,
    amr: ['pwd'],
    acr: 'one_factor',
    ...overrides,
  };
}

/** A code minted exactly as `/authorize` mints one. */
export function mintCode(
  provider: RunningProvider,
  grant: CodeGrant,
  lifetimeMs = 60_000,
): Promise<string> {
  return provider.app.get(AuthorizationCodes).issue(grant, lifetimeMs);
}

/** Redeems a code at `/token` with client_secret_post, as OpenIDConnect.jl does. */
export function redeemCode(
  provider: RunningProvider,
  client: { clientId: string; secret?: string },
  code: string,
  extra: Record<string, string> = {},
) {
  return postForm(`${provider.url}/token`, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: CODE_REDIRECT_URI,
    client_id: client.clientId,
    client_secret: client.secret!,
    ...extra,
  });
}
