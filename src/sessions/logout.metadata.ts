import { Inject, Injectable } from '@nestjs/common';
import { endpointUrl } from '../common/urls.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import {
  ContributesMetadata,
  type MetadataContributor,
  type ProviderMetadata,
} from '../discovery/discovery-contributor.js';
import { END_SESSION_PATH } from './logout.controller.js';

/**
 * RP-Initiated Logout 1.0 §2.1, Front-Channel Logout 1.0 §3 and Back-Channel Logout 1.0 §2.1
 * discovery members (logout tokens always carry `sid`).
 */
@Injectable()
@ContributesMetadata()
export class LogoutMetadata implements MetadataContributor {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  contribute(): ProviderMetadata {
    return {
      end_session_endpoint: endpointUrl(this.config, END_SESSION_PATH),
      frontchannel_logout_supported: true,
      frontchannel_logout_session_supported: true,
      backchannel_logout_supported: true,
      backchannel_logout_session_supported: true,
    };
  }
}
