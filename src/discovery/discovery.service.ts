import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import {
  ContributesMetadata,
  type MetadataContributor,
  type ProviderMetadata,
} from './discovery-contributor.js';

@Injectable()
export class ProviderMetadataService implements OnApplicationBootstrap {
  private document: ProviderMetadata;
  private serialized: string;

  constructor(
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Built once at boot from every contributor; served from memory. */
  onApplicationBootstrap(): void {
    const contributors = this.discovery
      .getProviders({ metadataKey: ContributesMetadata.KEY })
      .map((wrapper) => wrapper.instance as MetadataContributor);
    this.document = mergeMetadata(
      this.config.issuer,
      contributors.map((c) => c.contribute()),
    );
    this.serialized = JSON.stringify(this.document);
  }

  get metadata(): ProviderMetadata {
    return this.document;
  }

  get json(): string {
    return this.serialized;
  }
}

/**
 * Merges contributions: lists are united in order, a scalar given twice with different values
 * is a programming error. `issuer` comes first and byte for byte from ISSUER (Discovery §4.3).
 */
export function mergeMetadata(issuer: string, parts: ProviderMetadata[]): ProviderMetadata {
  const merged: ProviderMetadata = { issuer };
  for (const part of parts) {
    for (const [key, value] of Object.entries(part)) {
      const existing = merged[key];
      if (existing === undefined) {
        merged[key] = Array.isArray(value) ? [...value] : value;
      } else if (Array.isArray(existing) && Array.isArray(value)) {
        for (const v of value) if (!existing.includes(v)) existing.push(v);
      } else if (existing !== value) {
        throw new Error(`Discovery member ${key} is contributed twice with different values`);
      }
    }
  }
  return merged;
}
