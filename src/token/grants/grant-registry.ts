import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { getMetadataStorage } from 'class-validator';
import { GrantMetadata, type GrantHandler, type GrantOptions } from './grant.js';

/** A grant the token endpoint serves: its declaration, its handler, the parameters it takes. */
export interface ServedGrant {
  options: GrantOptions;
  handler: GrantHandler;
  /** The DTO's properties: the allow-list of the request's parameters (RFC 6749 §3.2). */
  parameterNames: readonly string[];
}

/** The providers declared by `@Grant`, found once by Nest's scan, by grant type. */
@Injectable()
export class GrantRegistry implements OnModuleInit {
  private readonly grants = new Map<string, ServedGrant>();

  constructor(@Inject(DiscoveryService) private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders({ metadataKey: GrantMetadata.KEY })) {
      const options = this.discovery.getMetadataByDecorator(GrantMetadata, wrapper)!;
      // The DTO's own properties are the allow-list; class-validator knows them by metadata.
      const parameterNames = Object.keys(new options.parameters()).concat(
        declaredProperties(options.parameters),
      );
      this.grants.set(options.type, {
        options,
        handler: wrapper.instance as GrantHandler,
        parameterNames: [...new Set(parameterNames)],
      });
    }
  }

  /** What discovery advertises as `grant_types_supported` (RFC 8414 §2). */
  get types(): string[] {
    return [...this.grants.keys()];
  }

  find(type: string): ServedGrant | undefined {
    return this.grants.get(type);
  }
}

/** The properties a DTO declares to class-validator (optional ones have no initialiser). */
function declaredProperties(target: new () => object): string[] {
  return getMetadataStorage()
    .getTargetValidationMetadatas(target, '', true, false)
    .map((m) => m.propertyName);
}
