import type { IncomingHttpHeaders } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { AuthenticatedClient } from '../clients/auth/client-authenticator.js';
import {
  InvalidDpopProof,
  InvalidRequest,
  UnauthorizedClient,
  UnsupportedGrantType,
} from '../common/errors/oauth-error.js';
import { DpopProofs } from './dpop.js';
import type { TokenResponse } from './grants/grant.js';
import { GrantRegistry } from './grants/grant-registry.js';

/** A token request as the endpoint received it, its client already authenticated. */
export interface TokenRequest {
  client: AuthenticatedClient;
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  /** The token endpoint's absolute URL as the request reached it, without the query. */
  url: string;
}

/**
 * The checks every grant shares, made once (node-oidc-provider's token action): a served
 * grant_type, the grant's parameters only, each once unless the grant says otherwise and
 * valid, a client registered for the grant; then the grant's handler.
 */
@Injectable()
export class TokenService {
  constructor(
    @Inject(GrantRegistry) private readonly grants: GrantRegistry,
    @Inject(DpopProofs) private readonly dpop: DpopProofs,
  ) {}

  /** `grant_type` as a metric label: one this provider serves, else `unsupported`. */
  knownGrantType(grantType: unknown): string {
    return typeof grantType === 'string' && this.grants.find(grantType) ? grantType : 'unsupported';
  }

  async exchange({ client, body, headers, url }: TokenRequest): Promise<TokenResponse> {
    const grantType = body.grant_type;
    if (grantType === undefined) throw new InvalidRequest('grant_type is required');
    if (typeof grantType !== 'string') throw new InvalidRequest('grant_type must be a string');
    const grant = this.grants.find(grantType);
    if (!grant)
      throw new UnsupportedGrantType(`grant_type ${grantType.slice(0, 100)} is not supported`);
    // Only the grant's own parameters reach it; anything else is ignored (RFC 6749 §3.2).
    const picked = Object.fromEntries(
      grant.parameterNames.filter((k) => body[k] !== undefined).map((k) => [k, body[k]]),
    );
    // The form guard lets through what any grant repeats; this grant may not (RFC 6749 §3.1).
    for (const [name, value] of Object.entries(picked)) {
      if (Array.isArray(value) && !grant.options.multiValued?.includes(name))
        throw new InvalidRequest(`Parameter ${name} is repeated`);
    }
    const parameters = plainToInstance(grant.options.parameters, picked);
    const errors = validateSync(parameters, { forbidUnknownValues: false });
    if (errors.length > 0) {
      throw new InvalidRequest(
        errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; '),
      );
    }
    // RFC 6749 §5.2 unauthorized_client: a grant type the client is not registered for.
    if (!client.client.metadata.grant_types.includes(grantType)) {
      throw new UnauthorizedClient(`This client may not use the ${grantType} grant`);
    }
    // RFC 9449 §5: a proof, when sent, is checked for every grant alike.
    const dpop = await this.dpop.atTokenEndpoint({ headers, method: 'POST', url });
    if (!dpop && client.client.metadata.dpop_bound_access_tokens)
      throw new InvalidDpopProof('This client must send a DPoP proof (dpop_bound_access_tokens)');
    return grant.handler.handle({ client, parameters, headers, url, dpop });
  }
}
