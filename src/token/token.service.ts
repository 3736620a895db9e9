import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync } from 'class-validator';
import type { AuthenticatedClient } from '../clients/auth/client-authenticator.js';
import { InvalidRequest, UnsupportedGrantType } from '../common/errors/oauth-error.js';
import { Grant, type GrantHandler, type TokenResponse } from './grants/grant.js';

/** Finds the handler of each grant type once, and runs the one a request names. */
@Injectable()
export class TokenService implements OnModuleInit {
  private readonly handlers = new Map<string, { handler: GrantHandler; allowed: string[] }>();

  constructor(@Inject(DiscoveryService) private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders({ metadataKey: Grant.KEY })) {
      const grantType = this.discovery.getMetadataByDecorator(Grant, wrapper)!;
      const handler = wrapper.instance as GrantHandler;
      // The DTO's own properties are the allow-list; class-validator knows them by metadata.
      const allowed = Object.keys(new handler.parameters()).concat(
        declaredProperties(handler.parameters),
      );
      this.handlers.set(grantType, { handler, allowed: [...new Set(allowed)] });
    }
  }

  get grantTypes(): string[] {
    return [...this.handlers.keys()];
  }

  async exchange(
    client: AuthenticatedClient,
    body: Record<string, unknown>,
  ): Promise<TokenResponse> {
    const grantType = body.grant_type;
    if (grantType === undefined) throw new InvalidRequest('grant_type is required');
    if (typeof grantType !== 'string') throw new InvalidRequest('grant_type must be a string');
    const entry = this.handlers.get(grantType);
    if (!entry)
      throw new UnsupportedGrantType(`grant_type ${grantType.slice(0, 100)} is not supported`);
    // Only the grant's own parameters reach it; anything else is ignored (RFC 6749 §3.2).
    const picked = Object.fromEntries(
      entry.allowed.filter((k) => body[k] !== undefined).map((k) => [k, body[k]]),
    );
    const parameters = plainToInstance(entry.handler.parameters, picked);
    const errors = validateSync(parameters, { forbidUnknownValues: false });
    if (errors.length > 0) {
      throw new InvalidRequest(
        errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; '),
      );
    }
    return entry.handler.handle(client, parameters);
  }
}

/** The properties a DTO declares to class-validator (optional ones have no initialiser). */
function declaredProperties(target: new () => object): string[] {
  return getMetadataStorage()
    .getTargetValidationMetadatas(target, '', true, false)
    .map((m) => m.propertyName);
}
