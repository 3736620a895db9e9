import { Inject, Injectable } from '@nestjs/common';
import { endpointUrl } from '../common/urls.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import {
  ContributesMetadata,
  type MetadataContributor,
  type ProviderMetadata,
} from '../discovery/discovery-contributor.js';
import { SUPPORTED_CLAIMS } from '../users/user-claims.js';
import { USERINFO_PATH } from './userinfo.controller.js';

@Injectable()
@ContributesMetadata()
export class UserinfoMetadata implements MetadataContributor {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  contribute(): ProviderMetadata {
    return {
      userinfo_endpoint: endpointUrl(this.config, USERINFO_PATH),
      userinfo_signing_alg_values_supported: [...this.config.keys.algorithms],
      claims_supported: SUPPORTED_CLAIMS,
    };
  }
}
