import { DiscoveryService } from '@nestjs/core';

/** Members of the discovery document (OpenID Connect Discovery §3, RFC 8414 §2). */
export type ProviderMetadata = Record<string, string | boolean | string[]>;

/** What a module adds to the discovery document: its endpoints and capabilities. */
export interface MetadataContributor {
  contribute(): ProviderMetadata;
}

/**
 * Marks a provider that contributes to the discovery document. The discovery service finds
 * every such provider, so a module that adds an endpoint advertises it itself.
 */
export const ContributesMetadata = DiscoveryService.createDecorator<void>();
