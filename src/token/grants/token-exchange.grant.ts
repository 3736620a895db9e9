import { Inject, Injectable } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { ADMIN_SCOPE } from '../../clients/client-metadata.js';
import type { Client } from '../../clients/client.entity.js';
import { ClientsService } from '../../clients/clients.service.js';
import {
  InvalidRequest,
  InvalidScope,
  InvalidTarget,
  UnauthorizedClient,
} from '../../common/errors/oauth-error.js';
import { resourceIndicators } from '../../common/resource-indicators.js';
import { ResourceServers } from '../../resources/resource-servers.service.js';
import { spacedList } from '../../common/scopes.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { SigningService } from '../../keys/signing.service.js';
import { AccessTokens, type AccessTokenClaims, type EndUserOfToken } from '../access-tokens.js';
import {
  ACCESS_TOKEN_TYPE_URI,
  EXCHANGEABLE_TOKEN_TYPES,
  ID_TOKEN_TYPE_URI,
  type ExchangeableTokenType,
} from '../token-types.js';
import { Grant, type GrantHandler, type TokenRequestContext, type TokenResponse } from './grant.js';
import { TargetParameters } from './target-parameters.js';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** Longer than any token we sign; a longer one is refused before any parsing. */
const MAX_TOKEN = 8192;
const MAX_TYPE = 200;

/** RFC 8693 §2.1 request parameters. */
export class TokenExchangeParameters extends TargetParameters {
  @ApiProperty({
    type: 'string',
    maxLength: MAX_TOKEN,
    description: 'The token of the party on whose behalf the new token is requested',
  })
  // Its length is checked by the handler: MaxLength would also fire when it is missing.
  @IsString({ message: 'subject_token is required' })
  subject_token!: string;

  @ApiProperty({
    type: 'string',
    enum: [...EXCHANGEABLE_TOKEN_TYPES],
    description: 'The type of subject_token (RFC 8693 §3)',
    example: ACCESS_TOKEN_TYPE_URI,
  })
  @IsString({ message: 'subject_token_type is required' })
  subject_token_type!: string;

  @ApiPropertyOptional({
    type: 'string',
    maxLength: MAX_TOKEN,
    description:
      'The token of the acting party (delegation), typically the caller’s own client_credentials token',
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_TOKEN, { message: 'actor_token is too long' })
  actor_token?: string;

  @ApiPropertyOptional({
    type: 'string',
    enum: [...EXCHANGEABLE_TOKEN_TYPES],
    description: 'The type of actor_token; required with it, and only with it',
    example: ACCESS_TOKEN_TYPE_URI,
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_TYPE, { message: 'actor_token_type is too long' })
  actor_token_type?: string;

  @ApiPropertyOptional({
    type: 'string',
    enum: [ACCESS_TOKEN_TYPE_URI],
    description: 'Only access tokens are issued',
    example: ACCESS_TOKEN_TYPE_URI,
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_TYPE, { message: 'requested_token_type is too long' })
  requested_token_type?: string;

  @ApiPropertyOptional({
    type: 'string',
    maxLength: 2000,
    description:
      'Space-separated scopes, each carried by the subject token and registered by the client; by default all of those',
    example: 'invoices:read',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  scope?: string;
}

/** A verified subject or actor token, as the exchange uses it. */
interface PresentedToken {
  sub: string;
  /** Scopes it carries; an ID token carries none. */
  scope: string[];
  exp: number;
  /** Set for one of our access tokens: revoking it ends what is exchanged from it. */
  jti?: string;
  act?: unknown;
  mayAct?: unknown;
  endUser?: EndUserOfToken;
  authentication: Record<string, unknown>;
}

/**
 * Left out unless asked for by name: a token without a refresh token has no use for
 * `offline_access`, and a token for a service must not carry the admin scope by default (as
 * with client_credentials).
 */
const DEFAULT_EXCLUDED_SCOPES = new Set(['offline_access', ADMIN_SCOPE]);

const list = (v: string | string[] | undefined) =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

const clip = (value: string) => (value.length > 60 ? `${value.slice(0, 60)}…` : value);

/**
 * RFC 8693 token exchange: a service holding a user's token gets a token for another service,
 * as itself acting for the user (delegation, `act`) or, where the operator allows, as the user
 * (impersonation). The new token never carries more scope, nor lives longer, than the subject
 * token, and revoking the subject token denies it (see `AccessTokens.recordExchange`).
 */
@Injectable()
@Grant({
  type: TOKEN_EXCHANGE_GRANT,
  parameters: TokenExchangeParameters,
  multiValued: ['resource', 'audience'],
})
export class TokenExchangeGrant implements GrantHandler<TokenExchangeParameters> {
  constructor(
    @Inject(AccessTokens) private readonly accessTokens: AccessTokens,
    @Inject(SigningService) private readonly signing: SigningService,
    @Inject(ClientsService) private readonly clients: ClientsService,
    @Inject(ResourceServers) private readonly resourceServers: ResourceServers,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async handle({
    client: { client },
    parameters: params,
    dpop,
  }: TokenRequestContext<TokenExchangeParameters>): Promise<TokenResponse> {
    if (params.subject_token.length > MAX_TOKEN) {
      throw new InvalidRequest('subject_token is too long');
    }
    const metadata = client.metadata;
    // A party that cannot authenticate has nothing to exchange for (RFC 8693 §2.1, §5).
    if (metadata.public) {
      throw new UnauthorizedClient('This client may not use the token exchange grant');
    }
    if (
      params.requested_token_type !== undefined &&
      params.requested_token_type !== ACCESS_TOKEN_TYPE_URI
    ) {
      throw new InvalidRequest(
        `requested_token_type ${clip(params.requested_token_type)} is not supported: only ${ACCESS_TOKEN_TYPE_URI} is issued`,
      );
    }
    // §2.1: actor_token_type is required with actor_token and must not come without it.
    if (params.actor_token !== undefined && params.actor_token_type === undefined) {
      throw new InvalidRequest('actor_token_type is required with actor_token');
    }
    if (params.actor_token === undefined && params.actor_token_type !== undefined) {
      throw new InvalidRequest('actor_token_type is only allowed with actor_token');
    }

    const subjectType = exchangeableType(params.subject_token_type, 'subject_token_type');
    const acceptedTypes = metadata.token_exchange_subject_token_types ?? [ACCESS_TOKEN_TYPE_URI];
    if (!acceptedTypes.includes(subjectType)) {
      throw new InvalidRequest(
        `This client may not exchange a subject token of type ${subjectType}`,
      );
    }
    const actorType =
      params.actor_token_type === undefined
        ? undefined
        : exchangeableType(params.actor_token_type, 'actor_token_type');
    if (params.actor_token === undefined && metadata.token_exchange_impersonation !== true) {
      throw new InvalidRequest('This client may not impersonate: an actor_token is required');
    }

    // Target and scope are checked before any token is verified: cheap refusals first.
    const audience = requestedAudiences(params);
    const catalog = await this.resourceServers.catalog();
    catalog.checkTargets(client, audience);

    const subject = await this.subjectToken(client, params.subject_token, subjectType);
    const actor =
      params.actor_token === undefined || actorType === undefined
        ? undefined
        : await this.actorToken(client, params.actor_token, actorType);

    // §4.4: the subject token may name who is allowed to act for its subject.
    if (subject.mayAct !== undefined)
      this.checkMayAct(subject.mayAct, actor?.sub ?? client.clientId);

    const scope = catalog.scopesFor(
      narrowedScope(params.scope, subject.scope, spacedList(metadata.scope)),
      catalog.audienceOf(client, audience),
    );

    // §4.1: the actor of this exchange, with the chain the subject token records inside it.
    const act =
      actor === undefined
        ? subject.act
        : { sub: actor.sub, ...(subject.act !== undefined ? { act: subject.act } : {}) };
    const issued = await this.accessTokens.issue({
      client,
      subject: subject.sub,
      scope,
      audience,
      extra: { ...subject.authentication, ...(act !== undefined ? { act } : {}) },
      endUser: subject.endUser,
      notAfter: subject.exp,
      // RFC 9449 §6: a proof binds the new token to the caller's key.
      dpopJkt: dpop?.jkt,
    });
    if (subject.jti !== undefined) {
      await this.accessTokens.recordExchange({ jti: subject.jti }, issued.claims);
    }
    return {
      access_token: issued.token,
      issued_token_type: ACCESS_TOKEN_TYPE_URI,
      token_type: dpop ? 'DPoP' : 'Bearer',
      expires_in: issued.expiresIn,
      ...(scope.length > 0 ? { scope: scope.join(' ') } : {}),
    };
  }

  /**
   * The subject token: one of ours, valid now, and either issued to the caller or addressed to
   * it (its client_id, or an audience it serves: `introspection_audiences`), as at
   * `/introspect`. RFC 8693 §2.2.2: any other is `invalid_request`.
   */
  private async subjectToken(
    caller: Client,
    token: string,
    type: ExchangeableTokenType,
  ): Promise<PresentedToken> {
    if (type === ID_TOKEN_TYPE_URI) return this.idToken(caller, token, 'subject_token');
    const found = await this.accessTokens.inspectWithEndUser(token);
    if (!found || !(await this.clients.find(found.claims.client_id))) {
      throw new InvalidRequest('subject_token is invalid, expired or revoked');
    }
    const { claims, endUser } = found;
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    const forCaller =
      claims.client_id === caller.clientId ||
      audiences.some(
        (a) => a === caller.clientId || caller.metadata.introspection_audiences.includes(a),
      );
    if (!forCaller) {
      throw new InvalidRequest('subject_token was neither issued to nor addressed to this client');
    }
    return {
      ...fromAccessToken(claims),
      endUser,
      authentication: pick(claims, ['auth_time', 'acr', 'amr']),
    };
  }

  /** The actor token: one of ours, valid now, issued to the caller (§2.1: it is the caller's). */
  private async actorToken(
    caller: Client,
    token: string,
    type: ExchangeableTokenType,
  ): Promise<PresentedToken> {
    if (type === ID_TOKEN_TYPE_URI) return this.idToken(caller, token, 'actor_token');
    const claims = await this.accessTokens.inspect(token);
    if (!claims) throw new InvalidRequest('actor_token is invalid, expired or revoked');
    if (claims.client_id !== caller.clientId) {
      throw new InvalidRequest('actor_token was not issued to this client');
    }
    return { ...fromAccessToken(claims), authentication: {} };
  }

  /** An ID token we signed, not expired, issued to the caller (its `aud`). */
  private async idToken(
    caller: Client,
    token: string,
    field: 'subject_token' | 'actor_token',
  ): Promise<PresentedToken> {
    let payload: Record<string, unknown>;
    try {
      const verified = await this.signing.verify(token, {
        issuer: this.config.issuer,
        requiredClaims: ['sub', 'aud', 'exp', 'iat'],
      });
      // Access tokens are signed with the same keys: only an ID token is one.
      const typ = verified.protectedHeader.typ;
      if (typ !== undefined && typ.toLowerCase() !== 'jwt') throw new Error('not an ID token');
      payload = verified.payload;
    } catch {
      throw new InvalidRequest(`${field} is invalid or expired`);
    }
    const aud = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud as unknown[]);
    if (!aud.includes(caller.clientId) || typeof payload.sub !== 'string') {
      throw new InvalidRequest(`${field} was not issued to this client`);
    }
    return {
      sub: payload.sub,
      scope: [],
      exp: payload.exp as number,
      authentication: pick(payload, ['auth_time', 'acr', 'amr']),
    };
  }

  /** §4.4: `may_act` names the one party that may act; anyone else is refused. */
  private checkMayAct(mayAct: unknown, acting: string): void {
    const allowed =
      typeof mayAct === 'object' &&
      mayAct !== null &&
      (mayAct as { sub?: unknown }).sub === acting &&
      [undefined, this.config.issuer].includes((mayAct as { iss?: unknown }).iss as string);
    if (!allowed) {
      throw new InvalidRequest('The subject token’s may_act does not allow this actor');
    }
  }
}

function exchangeableType(value: string, field: string): ExchangeableTokenType {
  if (!(EXCHANGEABLE_TOKEN_TYPES as readonly string[]).includes(value)) {
    throw new InvalidRequest(`${field} ${clip(value)} is not supported`);
  }
  return value as ExchangeableTokenType;
}

function requestedAudiences(params: TokenExchangeParameters): string[] {
  const audiences = list(params.audience);
  if (audiences.some((a) => typeof a !== 'string' || a.length === 0)) {
    throw new InvalidTarget('audience must be a non-empty string');
  }
  return [...new Set([...resourceIndicators(params.resource), ...audiences])];
}

/**
 * The new token's scope: what was asked, each carried by the subject token and registered by
 * the caller (`invalid_scope` otherwise); by default every scope both have.
 */
function narrowedScope(
  asked: string | undefined,
  carried: readonly string[],
  registered: readonly string[],
): string[] {
  if (asked === undefined) {
    return carried.filter((s) => registered.includes(s) && !DEFAULT_EXCLUDED_SCOPES.has(s));
  }
  const scope = spacedList(asked);
  for (const s of scope) {
    if (!carried.includes(s))
      throw new InvalidScope(`The subject token does not carry the scope ${clip(s)}`);
    if (!registered.includes(s))
      throw new InvalidScope(`This client may not request the scope ${clip(s)}`);
  }
  return scope;
}

function fromAccessToken(claims: AccessTokenClaims): Omit<PresentedToken, 'authentication'> {
  return {
    sub: claims.sub,
    scope: spacedList(claims.scope),
    exp: claims.exp,
    jti: claims.jti,
    act: claims.act,
    mayAct: claims.may_act,
  };
}

function pick(source: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => source[k] !== undefined).map((k) => [k, source[k]]));
}
