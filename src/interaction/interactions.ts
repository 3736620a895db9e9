import { Inject, Injectable } from '@nestjs/common';
import { ShortLivedStore } from '../cache/short-lived-store.js';
import { sha256 } from '../common/digest.js';
import { patience } from '../common/patience.js';
import { safeEqual } from '../common/safe-equal.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { issuerPath } from '../common/urls.js';
import { providerCookie, sessionCookieValues } from '../sessions/session-cookie.js';
import {
  storedRequest,
  type AuthorizationRequest,
  type StoredAuthorizationRequest,
} from '../authorization/authorization-request.js';
import { isHandle, newHandle } from '../common/opaque-handle.js';

export type InteractionStage = 'login' | 'totp' | 'consent';

/**
 * A sign-in in progress, between `/authorize` and the answer to the client: the request as
 * `/authorize` checked it (each step sees its client as registered now), where it stands, and
 * who has proved what so far.
 */
export interface Interaction {
  id: string;
  /** Sent with every form of the interaction, compared in constant time. */
  csrf: string;
  /** SHA-256 of the browser cookie of the browser that began it. */
  browser: string;
  request: StoredAuthorizationRequest;
  stage: InteractionStage;
  /** Set once the password was right, before a second factor. */
  userId?: string;
  /** The "keep me signed in" answer of the login form, kept for after a second factor. */
  rememberMe?: boolean;
  /** Whether this interaction's login replaces the browser's session (another user, or none). */
  loggedIn?: boolean;
}

/** Longer than any step takes (a password hash, a few queries), short enough to heal a crash. */
const STEP_HOLD_MS = 30_000;

/** A random value per browser that binds interactions to the browser that began them. */
export const BROWSER_COOKIE = 'op_browser';

/** Where the pages of an interaction are, under the issuer's path. */
export const INTERACTION_PATH = '/interaction';

/**
 * Interactions live in the shared store for INTERACTION_LIFESPAN, so any instance can serve
 * any step. The id is in the page URL; a step is accepted only from the browser that began it
 * (its HttpOnly browser cookie; no login CSRF, no fixation), with the form's CSRF token.
 * Several tabs of one browser each have their own interaction.
 */
@Injectable()
export class Interactions {
  private readonly prefix: string;
  private readonly secure: boolean;

  constructor(
    @Inject(ShortLivedStore) private readonly store: ShortLivedStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.prefix = issuerPath(config);
    this.secure = new URL(config.issuer).protocol === 'https:';
  }

  /**
   * Begins an interaction for the browser that sent `cookieHeader`, with the request as
   * `/authorize` checked it. `setCookie` is the browser cookie to set when the browser had none.
   */
  async start(
    request: AuthorizationRequest,
    stage: InteractionStage,
    cookieHeader: string | undefined,
  ): Promise<{ interaction: Interaction; setCookie?: string }> {
    const known = sessionCookieValues(cookieHeader, BROWSER_COOKIE).find(isHandle);
    const browser = known ?? newHandle();
    const interaction: Interaction = {
      id: newHandle(),
      csrf: newHandle(),
      browser: sha256(browser),
      request: storedRequest(request),
      stage,
    };
    await this.save(interaction);
    return { interaction, ...(!known && { setCookie: this.browserCookie(browser) }) };
  }

  /** The page of the interaction's current step. */
  pageUrl(interaction: Pick<Interaction, 'id'>): string {
    return `${this.prefix}${INTERACTION_PATH}/${interaction.id}`;
  }

  async save(interaction: Interaction): Promise<void> {
    await this.store.put(
      `interaction:${interaction.id}`,
      JSON.stringify(interaction),
      this.config.authorization.interactionLifespan,
    );
  }

  /** The interaction, when the id is real and it belongs to the browser that sent the cookies. */
  async find(id: string, cookieHeader: string | undefined): Promise<Interaction | undefined> {
    if (!isHandle(id)) return undefined;
    const browserValues = sessionCookieValues(cookieHeader, BROWSER_COOKIE);
    const stored = await this.store.get(`interaction:${id}`);
    if (stored === null) return undefined;
    const interaction = JSON.parse(stored) as Interaction;
    // Begun by an instance of an earlier release, which kept raw parameters: start again.
    if (interaction.request === undefined) return undefined;
    return browserValues.some((v) => isHandle(v) && sha256(v) === interaction.browser)
      ? interaction
      : undefined;
  }

  /**
   * Takes the interaction's current step for one submission, across instances: false while
   * another submission holds it. The hold ends with `release`, or by itself after
   * STEP_HOLD_MS should its instance stop first.
   */
  async hold(id: string): Promise<boolean> {
    return this.store.putIfAbsent(`interaction:${id}:step`, '1', STEP_HOLD_MS);
  }

  async release(id: string): Promise<void> {
    await this.store.delete(`interaction:${id}:step`);
  }

  /** Waits for the submission holding the step to end; false if it did not within `ms`. */
  async released(id: string, ms: number): Promise<boolean> {
    const wait = patience(ms);
    do {
      if ((await this.store.get(`interaction:${id}:step`)) === null) return true;
    } while (await wait());
    return false;
  }

  /** Ends an interaction; of concurrent finishers only one gets it. */
  async finish(id: string): Promise<boolean> {
    return (await this.store.take(`interaction:${id}`)) !== null;
  }

  csrfMatches(interaction: Interaction, presented: unknown): boolean {
    if (typeof presented !== 'string') return false;
    return safeEqual(presented, interaction.csrf);
  }

  /** The Set-Cookie value of the browser cookie; a browser session cookie (no Max-Age). */
  private browserCookie(value: string): string {
    return providerCookie(`${BROWSER_COOKIE}=${value}`, {
      path: `${this.prefix}${INTERACTION_PATH}`,
      secure: this.secure,
    });
  }
}
