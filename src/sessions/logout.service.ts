import { Inject, Injectable } from '@nestjs/common';
import { ShortLivedStore } from '../cache/short-lived-store.js';
import type { Client } from '../clients/client.entity.js';
import { ClientsService } from '../clients/clients.service.js';
import { InvalidRequest } from '../common/errors/oauth-error.js';
import { safeEqual } from '../common/safe-equal.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { pickLocale, type UiLocale } from '../interaction/i18n.js';
import { SigningService } from '../keys/signing.service.js';
import { verifyIdTokenHint } from '../token/id-tokens.js';
import { Subjects } from '../users/subjects.js';
import { UsersService } from '../users/users.service.js';
import type { Session } from './session.entity.js';
import { isHandle, newHandle } from '../common/opaque-handle.js';

/** The parameters of RP-Initiated Logout 1.0 §2, as sent (query or form). */
const PARAMETERS = [
  'id_token_hint',
  'client_id',
  'post_logout_redirect_uri',
  'state',
  'ui_locales',
  'logout_hint',
] as const;
type Parameter = (typeof PARAMETERS)[number];
export type LogoutParameters = Partial<Record<Parameter, string>>;

const MAX_LENGTH: Record<Parameter, number> = {
  id_token_hint: 16_384,
  client_id: 200,
  post_logout_redirect_uri: 2_000,
  state: 2_000,
  ui_locales: 200,
  logout_hint: 200,
};

/** A logout request once checked: what may be trusted of it. */
export interface LogoutRequest {
  locale: UiLocale;
  /** The client named by a valid `id_token_hint` or by `client_id`. */
  client?: Client;
  /** The `sub` and `sid` of a valid `id_token_hint`. */
  hint?: { sub: string; sid?: string };
  /** Where to send the browser afterwards (with `state`): only a registered URI of `client`. */
  redirect?: string;
  logoutHint?: string;
}

/** A logout waiting for the user to confirm it, in the shared store. */
export interface PendingLogout {
  id: string;
  csrf: string;
  /** The session it would end: only the browser holding that session's cookie may confirm. */
  sessionId: string;
  locale: UiLocale;
  redirect?: string;
}

/**
 * RP-Initiated Logout 1.0: checks a request (the hint against our keys, the redirect URI
 * against the client's registered list), keeps pending confirmations and
 * lists the Front-Channel Logout 1.0 URIs of the clients that took part.
 */
@Injectable()
export class LogoutService {
  constructor(
    @Inject(SigningService) private readonly signing: SigningService,
    @Inject(ClientsService) private readonly clients: ClientsService,
    @Inject(Subjects) private readonly subjects: Subjects,
    @Inject(UsersService) private readonly users: UsersService,
    @Inject(ShortLivedStore) private readonly store: ShortLivedStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Reads the parameters: each at most once, a string, of bounded length. */
  parameters(raw: unknown): LogoutParameters {
    const source = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
    const params: LogoutParameters = {};
    for (const name of PARAMETERS) {
      const value = source[name];
      if (value === undefined || value === '') continue;
      if (typeof value !== 'string') throw new InvalidRequest(`Parameter ${name} is repeated`);
      if (value.length > MAX_LENGTH[name])
        throw new InvalidRequest(`Parameter ${name} is too long`);
      params[name] = value;
    }
    return params;
  }

  /**
   * What of a request may be trusted. A hint that is not an ID token we signed (unsigned,
   * another key, malformed), or that names another client than `client_id`, leaves no client
   * and so no redirect; an expired hint is fine (RP-Initiated Logout §2).
   */
  async check(params: LogoutParameters, acceptLanguage?: string): Promise<LogoutRequest> {
    const locale = pickLocale(params.ui_locales?.split(' ') ?? [], acceptLanguage);
    const request: LogoutRequest = { locale, logoutHint: params.logout_hint };
    let clientId = params.client_id;
    if (params.id_token_hint !== undefined) {
      const hint = await verifyIdTokenHint(this.signing, this.config.issuer, params.id_token_hint);
      if (!hint) return request;
      if (clientId !== undefined && !hint.aud.includes(clientId)) return request;
      clientId ??= hint.azp ?? (hint.aud.length === 1 ? hint.aud[0] : undefined);
      if (clientId === undefined) return request;
      request.hint = { sub: hint.sub, sid: hint.sid };
    }
    const client = clientId === undefined ? undefined : await this.clients.find(clientId);
    if (!client) {
      // A hint for a client that is gone is no hint.
      request.hint = undefined;
      return request;
    }
    request.client = client;
    const uri = params.post_logout_redirect_uri;
    if (uri !== undefined && client.metadata.post_logout_redirect_uris.includes(uri)) {
      const url = new URL(uri);
      if (params.state !== undefined) url.searchParams.append('state', params.state);
      request.redirect = url.href;
    }
    return request;
  }

  /**
   * Whether the session may end without asking: a valid hint names the session's user (and,
   * when it has one, this `sid`), and a `logout_hint`, when sent, names them too.
   */
  async mayEndSilently(request: LogoutRequest, session: Session): Promise<boolean> {
    if (!request.hint || !request.client) return false;
    if (request.hint.sid !== undefined && request.hint.sid !== session.id) return false;
    const sub = this.subjects.subjectFor(session.userId, request.client.metadata);
    if (request.hint.sub !== sub) return false;
    return (
      request.logoutHint === undefined || this.logoutHintNames(request.logoutHint, session, sub)
    );
  }

  /**
   * `logout_hint` is left to the OP (RP-Initiated Logout §2): we read it as the session's
   * `sid`, the user's `sub` at the client, or their username. A hint naming someone else
   * means the client's idea of who is signed in is stale, so the user is asked.
   */
  private async logoutHintNames(hint: string, session: Session, sub: string): Promise<boolean> {
    if (hint === session.id || hint === sub) return true;
    const user = await this.users.findById(session.userId);
    return user?.username === hint;
  }

  /**
   * The `frontchannel_logout_uri` of each client of the session, with `iss` and `sid` for a
   * client that registered `frontchannel_logout_session_required` (Front-Channel Logout §2).
   */
  async frontChannelUris(session: Session): Promise<string[]> {
    const uris: string[] = [];
    for (const clientId of session.clients) {
      const client = await this.clients.find(clientId);
      const uri = client?.metadata.frontchannel_logout_uri;
      if (!client || !uri) continue;
      const url = new URL(uri);
      if (client.metadata.frontchannel_logout_session_required) {
        url.searchParams.set('iss', this.config.issuer);
        url.searchParams.set('sid', session.id);
      }
      uris.push(url.href);
    }
    return uris;
  }

  /** Keeps a logout for the user to confirm, for INTERACTION_LIFESPAN. */
  async pend(request: LogoutRequest, session: Session): Promise<PendingLogout> {
    const pending: PendingLogout = {
      id: newHandle(),
      csrf: newHandle(),
      sessionId: session.id,
      locale: request.locale,
      redirect: request.redirect,
    };
    await this.store.put(
      `logout:${pending.id}`,
      JSON.stringify(pending),
      this.config.authorization.interactionLifespan,
    );
    return pending;
  }

  /**
   * The pending logout a confirmation form names, when its CSRF token matches; it is taken
   * (one answer per confirmation).
   */
  async takePending(id: unknown, csrf: unknown): Promise<PendingLogout | undefined> {
    if (!isHandle(id) || typeof csrf !== 'string') return undefined;
    const stored = await this.store.get(`logout:${id}`);
    if (stored === null) return undefined;
    const pending = JSON.parse(stored) as PendingLogout;
    if (!safeEqual(csrf, pending.csrf)) return undefined;
    return (await this.store.take(`logout:${id}`)) === null ? undefined : pending;
  }
}
