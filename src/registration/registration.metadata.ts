import { Inject, Injectable } from '@nestjs/common';
import { endpointUrl } from '../common/urls.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import {
  ContributesMetadata,
  type MetadataContributor,
  type ProviderMetadata,
} from '../discovery/discovery-contributor.js';
import { REGISTRATION_PATH } from './registration.service.js';

/** Advertised only when registration is on (the module is then loaded). */
@Injectable()
@ContributesMetadata()
export class RegistrationMetadata implements MetadataContributor {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  contribute(): ProviderMetadata {
    return { registration_endpoint: endpointUrl(this.config, REGISTRATION_PATH) };
  }
}
