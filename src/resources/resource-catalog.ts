import { parseDuration } from '../common/duration.js';
import { InvalidTarget } from '../common/errors/oauth-error.js';
import type { Client } from '../clients/client.entity.js';
import { ADMIN_SCOPE } from '../clients/client-metadata.js';
import type { SigningAlg } from '../config/environment.js';

/** A resource server the operator declared: an API this provider issues access tokens for. */
export interface ResourceDefinition {
  /** RFC 8707 §2: the absolute URI clients send as `resource`; the tokens' `aud`. */
  identifier: string;
  /** Scopes that belong to this resource: granted only in a token for it. */
  scopes: string[];
  /** The clients that may ask for it: `any` (dynamically registered ones too) or these ids. */
  clients: 'any' | string[];
  /** Overrides ACCESS_TOKEN_LIFESPAN for tokens for it (a client's own lifespan may shorten it). */
  accessTokenLifespanMs?: number;
  /** Overrides ACCESS_TOKEN_SIGNING_ALG for tokens for it. */
  accessTokenSigningAlg?: SigningAlg;
}

/** What a token for an audience gets from the declared resources in it. */
export interface TokenSettings {
  lifespanMs?: number;
  alg?: SigningAlg;
}

export class ResourceDefinitionError extends Error {}

/** Short enough to be a path parameter of the admin API, URL-encoded. */
const MAX_IDENTIFIER = 300;
const MAX_SCOPES = 100;
const MAX_CLIENTS = 1000;
const MIN_LIFESPAN_MS = 60_000;
const MAX_LIFESPAN_MS = 86_400_000;
/** RFC 6749 §3.3 scope-token. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]{1,200}$/;
/** Scopes about the end user's sign-in or the operator's API, never a resource's. */
const RESERVED_SCOPES = new Set(['openid', 'offline_access', ADMIN_SCOPE]);
const FIELDS = new Set([
  'identifier',
  'scopes',
  'clients',
  'access_token_lifespan',
  'access_token_signed_response_alg',
]);

/**
 * A declaration as written in RESOURCES_FILE or sent to the admin API, checked; throws a
 * `ResourceDefinitionError` whose message names the field. `reserved` are identifiers the
 * provider owns (its issuer, its admin API).
 */
export function readResourceDefinition(
  input: unknown,
  context: { signingAlgs: readonly SigningAlg[]; reserved: readonly string[] },
): ResourceDefinition {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new ResourceDefinitionError('A resource must be a mapping');
  const raw = input as Record<string, unknown>;
  const unknownField = Object.keys(raw).find((k) => !FIELDS.has(k));
  if (unknownField !== undefined)
    throw new ResourceDefinitionError(
      `${unknownField.slice(0, 60)} is not a resource field (${[...FIELDS].join(', ')})`,
    );

  const { identifier } = raw;
  if (
    typeof identifier !== 'string' ||
    identifier.length > MAX_IDENTIFIER ||
    !URL.canParse(identifier) ||
    identifier.includes('#') ||
    /\s/.test(identifier)
  )
    throw new ResourceDefinitionError(
      `identifier must be an absolute URI without a fragment (RFC 8707 §2), at most ${MAX_IDENTIFIER} characters`,
    );
  if (context.reserved.includes(identifier))
    throw new ResourceDefinitionError(`identifier ${identifier} belongs to the provider itself`);

  const scopes = raw.scopes ?? [];
  if (!Array.isArray(scopes) || scopes.length > MAX_SCOPES)
    throw new ResourceDefinitionError(`scopes must be a list of at most ${MAX_SCOPES} scopes`);
  for (const scope of scopes) {
    if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope))
      throw new ResourceDefinitionError('scopes holds an invalid scope (RFC 6749 §3.3)');
    if (RESERVED_SCOPES.has(scope))
      throw new ResourceDefinitionError(`scope ${scope} is the provider's, not a resource's`);
  }

  const clients = raw.clients ?? [];
  if (clients !== 'any') {
    if (!Array.isArray(clients) || clients.length > MAX_CLIENTS)
      throw new ResourceDefinitionError(
        `clients must be any or a list of at most ${MAX_CLIENTS} client ids`,
      );
    if (clients.some((c) => typeof c !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(c)))
      throw new ResourceDefinitionError('clients must hold client ids');
  }

  const definition: ResourceDefinition = {
    identifier,
    scopes: [...new Set(scopes as string[])],
    clients: clients === 'any' ? 'any' : [...new Set(clients as string[])],
  };

  const lifespan = raw.access_token_lifespan;
  if (lifespan !== undefined) {
    const ms =
      typeof lifespan === 'number' && Number.isInteger(lifespan)
        ? lifespan * 1000
        : typeof lifespan === 'string'
          ? parseDuration(lifespan)
          : undefined;
    if (ms === undefined || ms < MIN_LIFESPAN_MS || ms > MAX_LIFESPAN_MS)
      throw new ResourceDefinitionError(
        'access_token_lifespan must be a duration from 1m to 24h, such as 15m, or seconds',
      );
    definition.accessTokenLifespanMs = ms;
  }

  const alg = raw.access_token_signed_response_alg;
  if (alg !== undefined) {
    if (typeof alg !== 'string' || !(context.signingAlgs as readonly string[]).includes(alg))
      throw new ResourceDefinitionError(
        `access_token_signed_response_alg must be one of SIGNING_ALGS (${context.signingAlgs.join(', ')})`,
      );
    definition.accessTokenSigningAlg = alg as SigningAlg;
  }
  return definition;
}

/** A declaration in the shape the file and the admin API use. */
export function resourceView(definition: ResourceDefinition): Record<string, unknown> {
  return {
    identifier: definition.identifier,
    scopes: definition.scopes,
    clients: definition.clients,
    ...(definition.accessTokenLifespanMs !== undefined && {
      access_token_lifespan: definition.accessTokenLifespanMs / 1000,
    }),
    ...(definition.accessTokenSigningAlg !== undefined && {
      access_token_signed_response_alg: definition.accessTokenSigningAlg,
    }),
  };
}

/**
 * The one rule set for the target of a token (RFC 8707), whichever endpoint or grant asks:
 * who may ask for which resource, what `aud` a token gets, which scopes go with it, and how the
 * declared resources in it shape the token. A snapshot: `ResourceServers` builds a new one
 * whenever a declaration changes.
 */
export class ResourceCatalog {
  private readonly byIdentifier: ReadonlyMap<string, ResourceDefinition>;
  /** Scope → the identifiers of the declared resources it belongs to. */
  private readonly owners: ReadonlyMap<string, readonly string[]>;

  constructor(definitions: readonly ResourceDefinition[] = []) {
    this.byIdentifier = new Map(definitions.map((d) => [d.identifier, d]));
    const owners = new Map<string, string[]>();
    for (const d of definitions) {
      for (const scope of d.scopes) owners.set(scope, [...(owners.get(scope) ?? []), d.identifier]);
    }
    this.owners = owners;
  }

  get size(): number {
    return this.byIdentifier.size;
  }

  find(identifier: string): ResourceDefinition | undefined {
    return this.byIdentifier.get(identifier);
  }

  /**
   * Whether the client may ask for a token for `target`: a declared resource that admits it,
   * or an audience the operator registered for the client. A client that registered itself
   * (RFC 7591) names its own audiences, so for a declared resource only the resource's
   * `clients` count for it.
   */
  mayAsk(client: Client, target: string): boolean {
    const declared = this.byIdentifier.get(target);
    if (declared && (declared.clients === 'any' || declared.clients.includes(client.clientId)))
      return true;
    if (declared && client.origin === 'registration') return false;
    return client.metadata.audience.includes(target);
  }

  /**
   * RFC 8707 §2.2: each target asked for must be one the client may ask for (`also`: one more
   * the caller's grant allows, such as the admin API); else `invalid_target`.
   */
  checkTargets(client: Client, targets: readonly string[], also?: (target: string) => boolean) {
    for (const target of targets) {
      if (!this.mayAsk(client, target) && !also?.(target))
        throw new InvalidTarget(`This client may not request a token for ${clip(target)}`);
    }
    // Refused now rather than when the token is signed, after a code or refresh token is used.
    this.tokenSettings(targets);
  }

  /**
   * RFC 8707 §2.2 at `/token` for a user's grant: the targets of this token, each among those
   * the grant was given for (the client's registered audiences when it named none), and each
   * still one the client may ask for; none asked: all of the grant's.
   */
  narrow(client: Client, granted: readonly string[], asked: readonly string[]): string[] {
    const grantedTargets = this.audienceOf(client, granted);
    const outside = asked.find((target) => !grantedTargets.includes(target));
    if (outside !== undefined)
      throw new InvalidTarget(
        `${clip(outside)} was not requested in the authorization request: ask for it there`,
      );
    const targets = asked.length > 0 ? [...asked] : [...granted];
    this.checkTargets(client, targets);
    return targets;
  }

  /**
   * The `aud` of a token for these targets: them, or when none was asked the client's
   * registered audiences (empty: AccessTokens addresses the token to the provider).
   */
  audienceOf(client: Client, targets: readonly string[]): string[] {
    return targets.length > 0 ? [...targets] : client.metadata.audience;
  }

  /** The scopes a token for `audience` may carry: a declared resource's scopes only with it. */
  scopesFor(scope: readonly string[], audience: readonly string[]): string[] {
    return scope.filter((s) => {
      const owners = this.owners.get(s);
      return owners === undefined || owners.some((identifier) => audience.includes(identifier));
    });
  }

  /**
   * What the declared resources in `audience` ask of the token: the shortest lifespan, and
   * their signing algorithm. Resources that need different algorithms cannot share a token.
   */
  tokenSettings(audience: readonly string[]): TokenSettings {
    const settings: TokenSettings = {};
    for (const identifier of audience) {
      const declared = this.byIdentifier.get(identifier);
      if (!declared) continue;
      if (declared.accessTokenLifespanMs !== undefined)
        settings.lifespanMs = Math.min(
          settings.lifespanMs ?? Infinity,
          declared.accessTokenLifespanMs,
        );
      if (declared.accessTokenSigningAlg !== undefined) {
        if (settings.alg !== undefined && settings.alg !== declared.accessTokenSigningAlg)
          throw new InvalidTarget(
            'These resources need access tokens signed with different algorithms: ask for them in separate requests',
          );
        settings.alg = declared.accessTokenSigningAlg;
      }
    }
    return settings;
  }
}

function clip(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}
