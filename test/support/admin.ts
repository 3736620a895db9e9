import * as oidc from 'openid-client';
import type { RunningProvider } from './provider.js';

/** The bootstrapped admin client of the admin tests. */
export const ADMIN_ENV = {
  ADMIN_CLIENT_ID: 'ops-admin',
  ADMIN_CLIENT_SECRET: 'an-admin-secret-of-more-than-32-chars-0123',
};

export interface Call {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
  text: string;
}

export async function api(
  url: string,
  token: string | undefined,
  init: { method?: string; body?: unknown; raw?: string; type?: string } = {},
): Promise<Call> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (init.body !== undefined || init.raw !== undefined)
    headers['content-type'] = init.type ?? 'application/json';
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers,
    body: init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
  });
  const text = await res.text();
  let body: Record<string, unknown>;
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = {}; // not JSON: the caller asserts on status and text
  }
  return { status: res.status, body, headers: res.headers, text };
}

/** A token for the bootstrapped admin client, through openid-client. */
export async function adminToken(
  provider: RunningProvider,
  id = ADMIN_ENV.ADMIN_CLIENT_ID,
  secret = ADMIN_ENV.ADMIN_CLIENT_SECRET,
): Promise<string> {
  const config = await oidc.discovery(
    new URL(provider.config.issuer),
    id,
    undefined,
    oidc.ClientSecretBasic(secret),
    { execute: [oidc.allowInsecureRequests] },
  );
  return (await oidc.clientCredentialsGrant(config, { scope: 'admin' })).access_token;
}
