import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { deriveKey } from '../common/secret-box.js';
import { issuerPath } from '../common/urls.js';
import type { AppConfig } from '../config/app-config.js';

/** 256 random bits per session. */
const ID_BYTES = 32;
/** base64url of 32 bytes, twice (the id and its HMAC-SHA256 tag), joined by a dot. */
const COOKIE_VALUE = /^([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$/;
/** More cookies of one name than this in one request are not tried. */
const MAX_SAME_NAME = 3;

/**
 * Signs and checks session cookie values. The value is `base64url(id).base64url(tag)` with a
 * random 256-bit id and an HMAC-SHA256 tag under a key derived from KEYS_ENCRYPTION_SECRET; the
 * session row is found by the SHA-256 digest of the id (`cookie_digest`; a new session takes
 * its first digest as its id and `sid`), so neither a database dump nor a
 * leaked `sid` gives a usable cookie, and a forged value is refused before any query.
 */
export class SessionCookieSigner {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = deriveKey(secret, 'session-cookies', 'hmac-sha256 v1');
  }

  /** A new random session: the cookie value and the session id (the digest) it stands for. */
  issue(): { cookieValue: string; sessionId: string } {
    const id = randomBytes(ID_BYTES);
    return {
      cookieValue: `${id.toString('base64url')}.${this.tag(id).toString('base64url')}`,
      sessionId: sessionIdOf(id),
    };
  }

  /** The session id a cookie value stands for when we signed it; undefined for anything else. */
  verify(cookieValue: unknown): string | undefined {
    if (typeof cookieValue !== 'string') return undefined;
    const match = COOKIE_VALUE.exec(cookieValue);
    if (!match) return undefined;
    const id = Buffer.from(match[1], 'base64url');
    const tag = Buffer.from(match[2], 'base64url');
    // 43 characters carry 258 bits: only the canonical spelling of each 32 bytes is ours.
    if (id.toString('base64url') !== match[1] || tag.toString('base64url') !== match[2]) {
      return undefined;
    }
    return timingSafeEqual(tag, this.tag(id)) ? sessionIdOf(id) : undefined;
  }

  private tag(id: Buffer): Buffer {
    return createHmac('sha256', this.key).update(id).digest();
  }
}

/** The id of a session row (and its `sid`): the base64url SHA-256 digest of the cookie's id. */
function sessionIdOf(id: Buffer): string {
  return createHash('sha256').update(id).digest('base64url');
}

/** Where and how the session cookie is set. */
export interface SessionCookieSettings {
  name: string;
  /** The issuer's path, or `/`: the cookie goes only to our endpoints. */
  path: string;
  /** Set when the issuer is https. */
  secure: boolean;
}

export function sessionCookieSettings(
  config: Pick<AppConfig, 'issuer' | 'session'>,
): SessionCookieSettings {
  return {
    name: config.session.cookieName,
    path: issuerPath(config) || '/',
    secure: new URL(config.issuer).protocol === 'https:',
  };
}

/**
 * The `Set-Cookie` value for a session: HttpOnly, SameSite=Lax (the cookie comes along on the
 * top-level navigation to /authorize, not on cross-site posts), Secure on https, and a
 * Max-Age that ends with the session's absolute expiry.
 */
export function setSessionCookie(
  settings: SessionCookieSettings,
  cookieValue: string,
  expiresAt: Date,
  now = Date.now(),
): string {
  const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - now) / 1000));
  return attributes(settings, `${settings.name}=${cookieValue}`, maxAge);
}

/** The `Set-Cookie` value that removes the session cookie (logout, a refused cookie). */
export function clearSessionCookie(settings: SessionCookieSettings): string {
  return attributes(settings, `${settings.name}=`, 0);
}

function attributes(settings: SessionCookieSettings, pair: string, maxAge: number): string {
  return providerCookie(pair, { path: settings.path, secure: settings.secure, maxAge });
}

/**
 * A `Set-Cookie` value for one of the provider's own cookies: HttpOnly, SameSite=Lax, Secure on
 * https, for `path`; without `maxAge`, a browser-session cookie.
 */
export function providerCookie(
  pair: string,
  options: { path: string; secure: boolean; maxAge?: number },
): string {
  return [
    pair,
    ...(options.maxAge === undefined ? [] : [`Max-Age=${options.maxAge}`]),
    `Path=${options.path}`,
    'HttpOnly',
    'SameSite=Lax',
    ...(options.secure ? ['Secure'] : []),
  ].join('; ');
}

/**
 * The values of the cookies called `name` in a `Cookie` header (several when cookies of one
 * name were set for several paths or domains; at most three are returned).
 */
export function sessionCookieValues(cookieHeader: unknown, name: string): string[] {
  const headers = Array.isArray(cookieHeader) ? cookieHeader : [cookieHeader];
  const values: string[] = [];
  for (const header of headers) {
    if (typeof header !== 'string') continue;
    for (const pair of header.split(';')) {
      const eq = pair.indexOf('=');
      if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
      values.push(pair.slice(eq + 1).trim());
      if (values.length === MAX_SAME_NAME) return values;
    }
  }
  return values;
}
