import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { Browser, type Visit } from './browser.js';

/** openid-client's configuration for a registered client of a running provider. */
export function discover(
  issuer: string,
  client: { clientId: string; secret?: string },
): Promise<oidc.Configuration> {
  return oidc.discovery(
    new URL(issuer),
    client.clientId,
    undefined,
    client.secret === undefined ? oidc.None() : oidc.ClientSecretBasic(client.secret),
    { execute: [oidc.allowInsecureRequests] },
  );
}

/** A code-flow request built by openid-client, with what is needed to finish it. */
export async function startFlow(
  config: oidc.Configuration,
  redirectUri: string,
  extra: Record<string, string> = {},
) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid email',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  return { url, verifier, state, nonce, redirectUri };
}

/** Redeems the code the browser landed with (an ID token is expected when `openid` was asked). */
export async function finishFlow(
  config: oidc.Configuration,
  landed: Visit,
  flow: { verifier: string; state: string; nonce: string; redirectUri: string },
  idTokenExpected = true,
) {
  assert.ok(
    landed.url.startsWith(flow.redirectUri),
    `expected the redirect URI, got ${landed.url} (${landed.status}) ${landed.html.slice(0, 200)}`,
  );
  return oidc.authorizationCodeGrant(config, new URL(landed.url), {
    pkceCodeVerifier: flow.verifier,
    expectedState: flow.state,
    expectedNonce: idTokenExpected ? flow.nonce : undefined,
    idTokenExpected,
  });
}

/**
 * Signs in through the real pages (login, then consent when asked; silently when the browser
 * already has a session) and returns the client's tokens.
 */
export async function signInWith(
  browser: Browser,
  config: oidc.Configuration,
  redirectUri: string,
  credentials: { username: string; password: string },
  extra: Record<string, string> = {},
) {
  const flow = await startFlow(config, redirectUri, extra);
  let page = await browser.get(flow.url.href);
  if (
    !page.url.startsWith(redirectUri) &&
    Browser.forms(page.html).some((f) => f.action.endsWith('/login'))
  )
    page = await browser.submit(page, '/login', credentials);
  if (!page.url.startsWith(redirectUri))
    page = await browser.submit(page, '/consent', { decision: 'allow' });
  return finishFlow(config, page, flow, (extra.scope ?? 'openid').split(' ').includes('openid'));
}

/**
 * The OAuth error response an openid-client request ended in (`error`, `status`); the test
 * fails if the request succeeded or failed some other way.
 */
export async function oauthError(
  request: Promise<unknown>,
  what: string,
): Promise<oidc.ResponseBodyError> {
  const outcome = await request.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(
    outcome instanceof oidc.ResponseBodyError,
    outcome === undefined
      ? `${what}: it succeeded`
      : `${what}: ${outcome instanceof Error ? outcome.message : 'an unexpected failure'}`,
  );
  return outcome;
}
