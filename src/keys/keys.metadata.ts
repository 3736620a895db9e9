import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import {
  ContributesMetadata,
  type MetadataContributor,
  type ProviderMetadata,
} from '../discovery/discovery-contributor.js';
import { endpointUrl } from '../common/urls.js';
import { JWKS_PATH } from './jwks.controller.js';

@Injectable()
@ContributesMetadata()
export class KeysMetadata implements MetadataContributor {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  contribute(): ProviderMetadata {
    return {
      jwks_uri: endpointUrl(this.config, JWKS_PATH),
      // Core §15.1: RS256 is always among them; `none` never is.
      id_token_signing_alg_values_supported: this.config.keys.algorithms,
    };
  }
}
