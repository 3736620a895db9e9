import { Injectable } from '@nestjs/common';
import {
  ContributesMetadata,
  type MetadataContributor,
  type ProviderMetadata,
} from '../discovery/discovery-contributor.js';

/** Back-Channel Logout 1.0 §2.1: logout tokens are sent, and they always carry `sid`. */
@Injectable()
@ContributesMetadata()
export class LogoutMetadata implements MetadataContributor {
  contribute(): ProviderMetadata {
    return {
      backchannel_logout_supported: true,
      backchannel_logout_session_supported: true,
    };
  }
}
