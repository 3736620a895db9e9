import { Injectable } from '@nestjs/common';
import {
  ContributesMetadata,
  type MetadataContributor,
  type ProviderMetadata,
} from './discovery-contributor.js';

/** Members that belong to no single feature module. */
@Injectable()
@ContributesMetadata()
export class CoreMetadata implements MetadataContributor {
  contribute(): ProviderMetadata {
    return {
      // Core §8: pairwise identifiers per sector for clients that register subject_type pairwise.
      subject_types_supported: ['public', 'pairwise'],
    };
  }
}
