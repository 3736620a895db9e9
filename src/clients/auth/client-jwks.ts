import { Inject, Injectable, Optional } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { CLOCK, systemClock, type Clock } from '../../common/clock.js';
import { fetchJson, FetchJsonError } from '../../common/fetch-json.js';

const FETCH_TIMEOUT_MS = 3_000;
const MAX_BYTES = 64 * 1024;
const CACHE_MS = 10 * 60_000;
/** At most one refetch for an unknown kid per URI in this window: no amplification. */
const REFETCH_COOLDOWN_MS = 5_000;

/** At most this many documents, and about this much memory, in the cache. */
const MAX_ENTRIES = 1_000;
const MAX_CACHED_BYTES = 32 * 1024 * 1024;

interface Entry {
  keys: JWTVerifyGetKey;
  fetchedAt: number;
  /** An estimate of the memory it holds: the document's length, twice over for the keys made from it. */
  size: number;
}

export class JwksFetchError extends Error {}

/**
 * Clients' `jwks_uri` documents: fetched with a timeout and a size limit, cached, and fetched
 * again once when a `kid` is unknown, so a client can rotate its keys.
 */
@Injectable()
export class ClientJwksCache {
  /**
   * Bounded in count and bytes (a registrant may change its jwks_uri as often as it likes,
   * RFC 7592) and in age: an entry older than CACHE_MS is fetched again anyway.
   */
  private readonly entries = new LRUCache<string, Entry>({
    max: MAX_ENTRIES,
    maxSize: MAX_CACHED_BYTES,
    sizeCalculation: (entry) => entry.size,
    ttl: CACHE_MS,
  });
  private readonly inflight = new Map<string, Promise<Entry>>();

  constructor(@Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock) {}

  /** How many documents are held, and their estimated bytes: for the bounds' tests. */
  get held(): { documents: number; bytes: number } {
    return { documents: this.entries.size, bytes: this.entries.calculatedSize };
  }

  /**
   * `allowPrivateNetwork` is false for a URI a registrant chose, in production: the provider
   * must not be made to reach inside its own network (RFC 7591 §5).
   */
  async keys(
    uri: string,
    options: { refresh?: boolean; allowPrivateNetwork: boolean },
  ): Promise<JWTVerifyGetKey> {
    const entry = this.entries.get(uri);
    const now = this.clock.now();
    const fresh = entry && now - entry.fetchedAt < CACHE_MS;
    const mayRefresh = !entry || now - entry.fetchedAt > REFETCH_COOLDOWN_MS;
    if (entry && ((fresh && !options.refresh) || !mayRefresh)) return entry.keys;
    return (await this.fetch(uri, options.allowPrivateNetwork)).keys;
  }

  private fetch(uri: string, allowPrivateNetwork: boolean): Promise<Entry> {
    const running = this.inflight.get(uri);
    if (running) return running;
    const work = (async () => {
      const { set, bytes } = await download(uri, allowPrivateNetwork);
      const entry = {
        keys: createLocalJWKSet(set),
        fetchedAt: this.clock.now(),
        size: 2 * bytes + 1024,
      };
      this.entries.set(uri, entry);
      return entry;
    })().finally(() => this.inflight.delete(uri));
    this.inflight.set(uri, work);
    return work;
  }
}

async function download(
  uri: string,
  allowPrivateNetwork: boolean,
): Promise<{ set: JSONWebKeySet; bytes: number }> {
  let set: unknown;
  try {
    set = await fetchJson(uri, {
      what: 'jwks_uri',
      allowPrivateNetwork,
      timeoutMs: FETCH_TIMEOUT_MS,
      maxBytes: MAX_BYTES,
    });
  } catch (e) {
    throw new JwksFetchError(
      e instanceof FetchJsonError ? e.message : 'jwks_uri could not be fetched',
    );
  }
  if (typeof set !== 'object' || set === null || !Array.isArray((set as { keys?: unknown }).keys)) {
    throw new JwksFetchError('jwks_uri document is not a JWK Set');
  }
  return { set: set as JSONWebKeySet, bytes: JSON.stringify(set).length };
}
