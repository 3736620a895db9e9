import { randomInt } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { ShortLivedStore } from '../cache/short-lived-store.js';
import type { Client } from '../clients/client.entity.js';
import { CLOCK, systemClock, type Clock } from '../common/clock.js';
import { sha256 } from '../common/digest.js';
import { isHandle, newHandle } from '../common/opaque-handle.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

/** RFC 8628 §3.4's grant type. */
export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/**
 * RFC 8628 §6.1: 20 consonants (no vowels, so no words; no look-alikes such as 0/O, 1/I),
 * 8 of them: 20^8 ≈ 2^34.6 codes, shown as two groups of four.
 */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const USER_CODE_LENGTH = 8;
/** How long an expired device code is still known as expired (not unknown) to its device. */
const KEPT_AFTER_EXPIRY_MS = 10 * 60_000;

/** What a device asked for, fixed when it asked. */
export interface DeviceRequest {
  clientId: string;
  scope: string[];
  resources: string[];
  /** Epoch ms on the provider's clock. */
  expiresAt: number;
}

/** The user's answer, and what the tokens are issued from when it is yes. */
export type DeviceDecision =
  | { approved: false }
  | {
      approved: true;
      userId: string;
      sessionId: string;
      authTime: number;
      amr: string[];
      acr: string;
    };

export type DevicePoll =
  | { outcome: 'unknown' | 'expired' | 'pending' | 'slow_down' | 'denied' }
  | {
      outcome: 'approved';
      request: DeviceRequest;
      decision: Extract<DeviceDecision, { approved: true }>;
    };

/**
 * Device authorizations (RFC 8628) in the shared store, so the device may poll any instance
 * while its user answers on any other. The request is written once and never changed; the
 * user's answer is a separate key written once (the first answer wins), and a poll's pace a
 * third, so no step can overwrite another's write. The device code and the user code are kept
 * only as SHA-256 digests; approved tokens are handed out once.
 */
@Injectable()
export class DeviceAuthorizations {
  constructor(
    @Inject(ShortLivedStore) private readonly store: ShortLivedStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
  ) {}

  get intervalSeconds(): number {
    return this.config.authorization.devicePollingInterval / 1000;
  }

  async start(
    client: Client,
    scope: string[],
    resources: string[],
  ): Promise<{ deviceCode: string; userCode: string; expiresIn: number }> {
    const lifespan = this.config.authorization.deviceCodeLifespan;
    const deviceCode = newHandle();
    const digest = sha256(deviceCode);
    const request: DeviceRequest = {
      clientId: client.clientId,
      scope,
      resources,
      expiresAt: this.clock.now() + lifespan,
    };
    await this.store.put(
      requestKey(digest),
      JSON.stringify(request),
      lifespan + KEPT_AFTER_EXPIRY_MS,
    );
    // A user code names one device at a time: a collision draws again.
    for (;;) {
      const userCode = newUserCode();
      if (await this.store.putIfAbsent(userCodeKey(userCode), digest, lifespan))
        return { deviceCode, userCode: display(userCode), expiresIn: Math.floor(lifespan / 1000) };
    }
  }

  /**
   * The device authorization a user code names, while it waits for an answer: its digest and
   * request. Undefined for a code that is unknown, expired or already answered.
   */
  async waiting(
    userCode: unknown,
  ): Promise<{ digest: string; request: DeviceRequest } | undefined> {
    const normalized = normalizeUserCode(userCode);
    if (normalized === undefined) return undefined;
    const digest = await this.store.get(userCodeKey(normalized));
    if (digest === null) return undefined;
    const request = await this.request(digest);
    if (!request || (await this.store.get(decisionKey(digest))) !== null) return undefined;
    return { digest, request };
  }

  /** Records the user's answer; false if another answer came first (or it expired). */
  async decide(digest: string, decision: DeviceDecision): Promise<boolean> {
    const request = await this.request(digest);
    if (!request) return false;
    const ttl = Math.max(1000, request.expiresAt - this.clock.now());
    return this.store.putIfAbsent(decisionKey(digest), JSON.stringify(decision), ttl);
  }

  /** RFC 8628 §3.4/§3.5: the device's poll, by the client the code was issued to. */
  async poll(deviceCode: string, clientId: string): Promise<DevicePoll> {
    if (!isHandle(deviceCode)) return { outcome: 'unknown' };
    const digest = sha256(deviceCode);
    const stored = await this.store.get(requestKey(digest));
    // Unknown, or its tokens already handed out (the request is taken then).
    if (stored === null) return { outcome: 'unknown' };
    const request = JSON.parse(stored) as DeviceRequest;
    if (request.clientId !== clientId) return { outcome: 'unknown' };
    if (this.clock.now() >= request.expiresAt) return { outcome: 'expired' };
    // §3.5: one poll per interval; a faster one is told to slow down.
    const interval = this.config.authorization.devicePollingInterval;
    if (!(await this.store.putIfAbsent(pollKey(digest), '1', interval)))
      return { outcome: 'slow_down' };
    const answer = await this.store.get(decisionKey(digest));
    if (answer === null) return { outcome: 'pending' };
    const decision = JSON.parse(answer) as DeviceDecision;
    if (!decision.approved) return { outcome: 'denied' };
    // The tokens once, whichever instance the device reaches first.
    if ((await this.store.take(requestKey(digest))) === null) return { outcome: 'unknown' };
    return { outcome: 'approved', request, decision };
  }

  private async request(digest: string): Promise<DeviceRequest | undefined> {
    const stored = await this.store.get(requestKey(digest));
    if (stored === null) return undefined;
    const request = JSON.parse(stored) as DeviceRequest;
    return this.clock.now() < request.expiresAt ? request : undefined;
  }
}

function newUserCode(): string {
  let code = '';
  for (let i = 0; i < USER_CODE_LENGTH; i++) code += USER_CODE_ALPHABET[randomInt(20)];
  return code;
}

const display = (code: string) => `${code.slice(0, 4)}-${code.slice(4)}`;

/**
 * A user code as typed: case, spaces and dashes do not matter (RFC 8628 §6.1); anything else
 * outside the alphabet, or the wrong length, is no code.
 */
export function normalizeUserCode(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 40) return undefined;
  const code = value.toUpperCase().replace(/[\s-]/g, '');
  if (code.length !== USER_CODE_LENGTH) return undefined;
  return [...code].every((c) => USER_CODE_ALPHABET.includes(c)) ? code : undefined;
}

const requestKey = (digest: string) => `device:${digest}`;
const decisionKey = (digest: string) => `device-decision:${digest}`;
const pollKey = (digest: string) => `device-poll:${digest}`;
const userCodeKey = (code: string) => `device-user-code:${sha256(code)}`;
