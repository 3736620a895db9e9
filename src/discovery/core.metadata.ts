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
      // Pairwise identifiers come with sector identifiers on clients.
      subject_types_supported: ['public'],
    };
  }
}
