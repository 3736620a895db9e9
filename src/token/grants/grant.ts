import type { IncomingHttpHeaders } from 'node:http';
import { DiscoveryService } from '@nestjs/core';
import type { AuthenticatedClient } from '../../clients/auth/client-authenticator.js';
import type { DpopProof } from '../dpop.js';

/** RFC 6749 §5.1 successful response. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer' | 'DPoP';
  expires_in: number;
  scope?: string;
  refresh_token?: string;
  id_token?: string;
  issued_token_type?: string;
}

/**
 * Everything the provider knows about a grant type, said once on its class: the token endpoint,
 * discovery and the client metadata validator all read it from here.
 */
export interface GrantOptions<P extends object = object> {
  /** The `grant_type` value (RFC 6749 §4; an extension grant's is an absolute URI, §4.5). */
  type: string;
  /**
   * A class-validator DTO: its properties are the parameters the grant accepts (anything else
   * in the body is ignored), validated before `handle` runs.
   */
  parameters: new () => P;
  /**
   * Parameters the grant accepts more than once (RFC 8707 §2 `resource`, RFC 8693 §2.1
   * `audience`); any other repeated parameter is `invalid_request` (RFC 6749 §3.1).
   */
  multiValued?: readonly string[];
}

/** One token request as a grant sees it: who asks, with what, and how the request arrived. */
export interface TokenRequestContext<P extends object = object> {
  /** Authenticated, and registered for this grant type. */
  readonly client: AuthenticatedClient;
  /** The grant's own parameters, validated. */
  readonly parameters: P;
  readonly headers: IncomingHttpHeaders;
  /**
   * The token endpoint's absolute URL as the request reached it (scheme and host as trusted
   * proxies forwarded them), without the query: what a DPoP proof's `htu` names (RFC 9449 §4.3).
   */
  readonly url: string;
  /**
   * The request's DPoP proof, checked (RFC 9449 §4.3): the access token must be bound to its
   * key (`cnf.jkt`, `token_type` DPoP), a public client's refresh token too (§5.8).
   */
  readonly dpop?: DpopProof;
}

/** The handler of one grant type; the class carries its `@Grant` options. */
export interface GrantHandler<P extends object = object> {
  handle(context: TokenRequestContext<P>): Promise<TokenResponse>;
}

/**
 * The grants declared so far, filled when each decorated class is defined: the client metadata
 * validator runs at start-up and in plain functions, before (or without) Nest's scan.
 */
const declared = new Map<string, GrantOptions>();
let multiValued: readonly string[] = [];

/** The Nest metadata by which the GrantRegistry finds the grant providers. */
export const GrantMetadata = DiscoveryService.createDecorator<GrantOptions>();

/**
 * Declares a class as the handler of a grant type. This, and the class being a provider (see
 * SERVED_GRANTS), is all a grant needs: the token endpoint, discovery's
 * `grant_types_supported` and the client metadata validator follow.
 */
export function Grant<P extends object>(
  options: GrantOptions<P>,
): (target: new (...args: never[]) => GrantHandler<P>) => void {
  return (target) => {
    if (declared.has(options.type)) {
      throw new Error(`grant_type ${options.type} is declared by two classes`);
    }
    declared.set(options.type, options);
    multiValued = [...new Set([...multiValued, ...(options.multiValued ?? [])])];
    GrantMetadata(options)(target);
  };
}

/** The grant types declared by `@Grant`, in declaration order. */
export function declaredGrantTypes(): string[] {
  return [...declared.keys()];
}

/** The declarations themselves, in the same order: what the token endpoint's Swagger shows. */
export function declaredGrants(): readonly GrantOptions[] {
  return [...declared.values()];
}

/** Every parameter some grant accepts more than once: repetition is judged per grant later. */
export function multiValuedGrantParameters(): readonly string[] {
  return multiValued;
}
