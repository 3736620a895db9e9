import type { INestApplicationContext } from '@nestjs/common';
import { validateClientMetadata } from '../../src/clients/client-metadata.validator.js';
import { ClientsService } from '../../src/clients/clients.service.js';

/** Registers a client the way the admin API will: through the one metadata validator. */
export async function registerClient(
  app: INestApplicationContext,
  input: Record<string, unknown>,
  secret: { secret?: string; secretDigest?: string } = {},
): Promise<{ clientId: string; secret?: string }> {
  const metadata = validateClientMetadata(input, 'admin');
  const { client, secret: issued } = await app
    .get(ClientsService)
    .create({ metadata, origin: 'admin', ...secret });
  return { clientId: client.clientId, secret: issued };
}

export function basicAuth(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

/** A raw form POST, for the cases a certified client library would never send. */
export async function postForm(
  url: string,
  body: string | Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: typeof body === 'string' ? body : new URLSearchParams(body).toString(),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    headers: res.headers,
  };
}
