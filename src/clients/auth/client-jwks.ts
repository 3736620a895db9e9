import { Injectable } from '@nestjs/common';
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';

const FETCH_TIMEOUT_MS = 3_000;
const MAX_BYTES = 64 * 1024;
const CACHE_MS = 10 * 60_000;
/** At most one refetch for an unknown kid per URI in this window: no amplification. */
const REFETCH_COOLDOWN_MS = 30_000;

interface Entry {
  keys: JWTVerifyGetKey;
  fetchedAt: number;
}

export class JwksFetchError extends Error {}

/**
 * Clients' `jwks_uri` documents: fetched with a timeout and a size limit, cached, and fetched
 * again once when a `kid` is unknown, so a client can rotate its keys.
 */
@Injectable()
export class ClientJwksCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<Entry>>();

  async keys(uri: string, options: { refresh?: boolean } = {}): Promise<JWTVerifyGetKey> {
    const entry = this.entries.get(uri);
    const fresh = entry && Date.now() - entry.fetchedAt < CACHE_MS;
    const mayRefresh = !entry || Date.now() - entry.fetchedAt > REFETCH_COOLDOWN_MS;
    if (entry && ((fresh && !options.refresh) || !mayRefresh)) return entry.keys;
    return (await this.fetch(uri)).keys;
  }

  private fetch(uri: string): Promise<Entry> {
    const running = this.inflight.get(uri);
    if (running) return running;
    const work = (async () => {
      const set = await download(uri);
      const entry = { keys: createLocalJWKSet(set), fetchedAt: Date.now() };
      this.entries.set(uri, entry);
      return entry;
    })().finally(() => this.inflight.delete(uri));
    this.inflight.set(uri, work);
    return work;
  }
}

async function download(uri: string): Promise<JSONWebKeySet> {
  let response: Response;
  try {
    response = await fetch(uri, {
      redirect: 'error',
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      headers: { accept: 'application/json' },
    });
  } catch (e) {
    throw new JwksFetchError(
      `jwks_uri could not be fetched: ${(e as Error).name === 'TimeoutError' ? 'timed out' : 'unreachable'}`,
    );
  }
  if (!response.ok || !response.body)
    throw new JwksFetchError(`jwks_uri answered ${response.status}`);
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > MAX_BYTES) throw new JwksFetchError('jwks_uri document is too large');
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > MAX_BYTES) throw new JwksFetchError('jwks_uri document is too large');
    chunks.push(chunk);
  }
  let set: unknown;
  try {
    set = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new JwksFetchError('jwks_uri document is not JSON');
  }
  if (typeof set !== 'object' || set === null || !Array.isArray((set as { keys?: unknown }).keys)) {
    throw new JwksFetchError('jwks_uri document is not a JWK Set');
  }
  return set as JSONWebKeySet;
}
