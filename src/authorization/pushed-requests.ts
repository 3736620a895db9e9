import { Inject, Injectable, Optional } from '@nestjs/common';
import { ShortLivedStore } from '../cache/short-lived-store.js';
import { CLOCK, systemClock, type Clock } from '../common/clock.js';
import { sha256 } from '../common/digest.js';
import { isHandle, newHandle } from '../common/opaque-handle.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { RawParameters } from './authorization-request.js';

/** RFC 9126 §2.2: the URN prefix of the request URIs the provider issues. */
export const PUSHED_REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';

/** A pushed request as `/authorize` takes it back. */
export interface PushedRequest {
  params: RawParameters;
  /** It came as a signed request object (RFC 9101). */
  signed: boolean;
}

interface Pushed extends PushedRequest {
  clientId: string;
  /** Epoch ms on the provider's clock; the store's TTL is only the upper bound. */
  expiresAt: number;
}

/**
 * Pushed authorization requests (RFC 9126): checked at `/par`, kept in the shared store under
 * the SHA-256 of a 256-bit handle for PUSHED_AUTHORIZATIONS_CONTEXT_LIFESPAN, and taken once,
 * by the client that pushed them, on whichever instance the browser reaches (§4: one use).
 */
@Injectable()
export class PushedRequests {
  constructor(
    @Inject(ShortLivedStore) private readonly store: ShortLivedStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
  ) {}

  get lifespanSeconds(): number {
    return Math.floor(this.config.authorization.pushedRequestLifespan / 1000);
  }

  /** Keeps checked parameters; the `request_uri` that stands for them. */
  async push(clientId: string, request: PushedRequest): Promise<string> {
    const handle = newHandle();
    const lifespan = this.config.authorization.pushedRequestLifespan;
    const pushed: Pushed = { clientId, ...request, expiresAt: this.clock.now() + lifespan };
    await this.store.put(key(handle), JSON.stringify(pushed), lifespan);
    return PUSHED_REQUEST_URI_PREFIX + handle;
  }

  /**
   * The parameters a `request_uri` stands for, when it is one of ours, unused, unexpired and
   * pushed by `clientId`; undefined otherwise. Taken even when it names another client, so a
   * leaked request URI is spent by its first use.
   */
  async take(requestUri: string, clientId: string): Promise<PushedRequest | undefined> {
    const handle = requestUri.slice(PUSHED_REQUEST_URI_PREFIX.length);
    if (!requestUri.startsWith(PUSHED_REQUEST_URI_PREFIX) || !isHandle(handle)) return undefined;
    const stored = await this.store.take(key(handle));
    if (stored === null) return undefined;
    const pushed = JSON.parse(stored) as Pushed;
    if (pushed.clientId !== clientId || this.clock.now() >= pushed.expiresAt) return undefined;
    return { params: pushed.params, signed: pushed.signed };
  }
}

const key = (handle: string) => `par:${sha256(handle)}`;
