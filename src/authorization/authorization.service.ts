import { ResourceServers } from '../resources/resource-servers.service.js';
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Client } from '../clients/client.entity.js';
import { ClientsService } from '../clients/clients.service.js';
import { CLOCK, systemClock, type Clock } from '../common/clock.js';
import {
  AccessDenied,
  ConsentRequired,
  InvalidRequest,
  LoginRequired,
  OAuthError,
  OAuthRedirectError,
} from '../common/errors/oauth-error.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { ConsentService } from '../consent/consent.service.js';
import { SigningService } from '../keys/signing.service.js';
import { verifyIdTokenHint } from '../token/id-tokens.js';
import type { Session } from '../sessions/session.entity.js';
import { Subjects } from '../users/subjects.js';
import { SUPPORTED_CLAIMS } from '../users/user-claims.js';
import type { User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';
import { AuthorizationCodes } from './authorization-codes.js';
import {
  parseAuthorizationRequest,
  resolveRedirect,
  restoredRequest,
  type AuthorizationPolicy,
  type AuthorizationRequest,
  type RawParameters,
  type StoredAuthorizationRequest,
} from './authorization-request.js';
import { requestedClaims } from './claims-request.js';

/** What `/authorize` does next with a valid request. */
export type Decision =
  | { kind: 'login' }
  | { kind: 'consent'; user: User; session: Session }
  | { kind: 'issue'; user: User; session: Session };

/** What this interaction has already done, so a step is not asked for twice. */
export interface Progress {
  /** The user signed in during this interaction: prompt=login and max_age are satisfied. */
  freshLogin: boolean;
  /** The user agreed during this interaction: prompt=consent is satisfied. */
  consentGiven: boolean;
}

/** The decisions of `/authorize` (Core §3.1.2): who must sign in, who must agree, and the code. */
@Injectable()
export class AuthorizationService {
  constructor(
    @Inject(ClientsService) private readonly clients: ClientsService,
    @Inject(UsersService) private readonly users: UsersService,
    @Inject(ConsentService) private readonly consent: ConsentService,
    @Inject(AuthorizationCodes) private readonly codes: AuthorizationCodes,
    @Inject(SigningService) private readonly signing: SigningService,
    @Inject(Subjects) private readonly subjects: Subjects,
    @Inject(ResourceServers) private readonly resources: ResourceServers,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(CLOCK) private readonly clock: Clock = systemClock,
  ) {}

  private async policy(): Promise<AuthorizationPolicy> {
    const { enforcePkce, allowPlainPkce, minimumParameterEntropy } = this.config.authorization;
    return {
      issuer: this.config.issuer,
      enforcePkce,
      allowPlainPkce,
      minimumParameterEntropy,
      resources: await this.resources.catalog(),
    };
  }

  /**
   * The request, checked. Throws an `OAuthError` for the error page (client or redirect URI
   * unknown) or an `OAuthRedirectError` for everything that can go back to the client.
   */
  async parse(
    params: RawParameters,
    how: { pushed: boolean; signed: boolean },
  ): Promise<AuthorizationRequest> {
    const clientId = params.client_id;
    const client =
      typeof clientId === 'string' && clientId.length <= 200
        ? await this.clients.find(clientId)
        : undefined;
    const { redirectUri } = resolveRedirect(params, () => client ?? undefined);
    const request = parseAuthorizationRequest(params, client!, redirectUri, await this.policy());
    // RFC 9126 §5, §6: pushed requests only, for every client or for this one.
    const metadata = request.client.metadata;
    const mustPush =
      this.config.authorization.requirePushedRequests ||
      metadata.require_pushed_authorization_requests === true;
    if (mustPush && !how.pushed)
      throw this.redirectError(
        request,
        new InvalidRequest('This client must push its authorization requests to /par (RFC 9126)'),
      );
    // RFC 9101 §10.5: signed request objects only.
    if (metadata.require_signed_request_object === true && !how.signed)
      throw this.redirectError(
        request,
        new InvalidRequest(
          'This client must send its requests as signed request objects (RFC 9101)',
        ),
      );
    return request;
  }

  /**
   * A request an interaction kept, with its client as registered now; undefined when the
   * client is gone or the request no longer passes its registration.
   */
  async restore(stored: StoredAuthorizationRequest): Promise<AuthorizationRequest | undefined> {
    const client = await this.clients.find(stored.clientId);
    if (!client) return undefined;
    try {
      return restoredRequest(stored, client, await this.policy());
    } catch (e) {
      if (e instanceof OAuthError) return undefined;
      throw e;
    }
  }

  /** An error for the client, delivered the way the request asked. */
  redirectError(request: AuthorizationRequest, error: OAuthError): OAuthRedirectError {
    return new OAuthRedirectError(error, {
      redirectUri: request.redirectUri,
      responseMode: request.responseMode,
      state: request.state,
      issuer: this.config.issuer,
    });
  }

  async decide(
    request: AuthorizationRequest,
    session: Session | undefined,
    progress: Progress,
    /** The session's user, when the caller has just loaded it. */
    sessionUser?: User,
  ): Promise<Decision> {
    const none = request.prompt.has('none');
    const user = sessionUser ?? (session && (await this.users.findById(session.userId)));
    const login = (reason: string): Decision => {
      // Core §3.1.2.6: prompt=none never shows a page.
      if (none) throw this.redirectError(request, new LoginRequired(reason));
      return { kind: 'login' };
    };
    const hintSubject = await this.hintSubject(request);
    if (!session || !user || user.disabled) return login('No one is signed in');
    if (
      hintSubject !== undefined &&
      hintSubject !== this.subjects.subjectFor(user.id, request.client.metadata)
    )
      return login('The signed-in user is not the one id_token_hint names');
    if (!progress.freshLogin) {
      if (request.prompt.has('login') || request.prompt.has('select_account'))
        return { kind: 'login' };
      const age = Math.floor((this.clock.now() - session.authTime.getTime()) / 1000);
      if (request.maxAge !== undefined && age > request.maxAge)
        return login('The last sign-in is older than max_age');
    }
    if (requiresTwoFactor(request) && session.acr !== 'two_factor')
      return login('This client needs a second factor');

    // The user has just answered the consent page for this very request: whatever the client's
    // consent mode remembers (nothing, for explicit), asking again would never end.
    if (progress.consentGiven) return { kind: 'issue', user, session };

    const ask = (scopes: string[]) =>
      this.consent.needed({
        userId: user.id,
        client: request.client,
        scopes,
        claims: consentClaims(request),
        forced: request.prompt.has('consent'),
      });
    let needed = await ask(request.scope);
    if (needed && none && request.scope.includes('offline_access')) {
      // Core §11: offline access nobody agreed to is dropped silently, never an error.
      const without = request.scope.filter((s) => s !== 'offline_access');
      if (!(await ask(without))) {
        request.scope = without;
        needed = false;
      }
    }
    if (needed) {
      if (none) throw this.redirectError(request, new ConsentRequired('Consent is needed'));
      return { kind: 'consent', user, session };
    }
    return { kind: 'issue', user, session };
  }

  /** Remembers what the user agreed to, as the client's consent mode says. */
  rememberConsent(request: AuthorizationRequest, user: User): Promise<void> {
    return this.consent.remember({
      userId: user.id,
      client: request.client,
      scopes: request.scope,
      claims: consentClaims(request),
    });
  }

  denied(request: AuthorizationRequest): OAuthRedirectError {
    return this.redirectError(request, new AccessDenied('The user did not allow access'));
  }

  /** The code and what goes with it to the redirect URI (RFC 6749 §4.1.2, RFC 9207 `iss`). */
  async issue(
    request: AuthorizationRequest,
    session: Session,
    user: User,
  ): Promise<Record<string, string>> {
    const client: Client = request.client;
    const code = await this.codes.issue(
      {
        clientId: client.clientId,
        redirectUri: request.redirectUri,
        redirectUriSent: request.redirectUriSent,
        codeChallenge: request.codeChallenge,
        codeChallengeMethod: request.codeChallengeMethod,
        ...(request.dpopJkt !== undefined && { dpopJkt: request.dpopJkt }),
        nonce: request.nonce,
        scope: request.scope,
        claims: request.claims,
        resources: request.resources,
        userId: user.id,
        sessionId: session.id,
        authTime: Math.floor(session.authTime.getTime() / 1000),
        amr: session.amr,
        acr: session.acr,
      },
      client.metadata.lifespans.authorize_code ?? this.config.lifespans.authorizeCode,
    );
    return {
      code,
      ...(request.state !== undefined && { state: request.state }),
      iss: this.config.issuer,
    };
  }

  /**
   * Core §3.1.2.1: the hint's signature must be ours and it must be for this client; its
   * expiry is tolerated. Undefined without a hint.
   */
  private async hintSubject(request: AuthorizationRequest): Promise<string | undefined> {
    if (request.idTokenHint === undefined) return undefined;
    const hint = await verifyIdTokenHint(this.signing, this.config.issuer, request.idTokenHint);
    // For this client: the hint names it as an audience.
    if (!hint || !hint.aud.includes(request.client.clientId))
      throw this.redirectError(request, new InvalidRequest('id_token_hint is not valid'));
    return hint.sub;
  }
}

/**
 * Two factors are needed when the client's `authorization_policy` says so, or when the request
 * asks for `acr` as an essential claim whose values only a second factor meets (Core §5.5.1.1:
 * the answer must then match, or the authentication fails).
 */
export function requiresTwoFactor(request: AuthorizationRequest): boolean {
  if (request.client.metadata.authorization_policy === 'two_factor') return true;
  const acr = request.claims.id_token?.acr ?? request.claims.userinfo?.acr;
  if (!acr?.essential) return false;
  const wanted = acr.values ?? (acr.value !== undefined ? [acr.value] : []);
  return wanted.includes('two_factor') && !wanted.includes('one_factor');
}

/** Claims about the user; `acr`, `auth_time` and the like describe the sign-in instead. */
const USER_CLAIMS = new Set(SUPPORTED_CLAIMS.filter((c) => c !== 'sub'));

/**
 * The user claims a `claims` request names (Core §5.5), for consent: what the user is asked
 * to share, so protocol claims such as `acr` are left out.
 */
export function consentClaims(request: AuthorizationRequest): string[] {
  return [
    ...new Set([
      ...requestedClaims(request.claims, 'userinfo'),
      ...requestedClaims(request.claims, 'id_token'),
    ]),
  ].filter((c) => USER_CLAIMS.has(c));
}
