import { Inject, Injectable } from '@nestjs/common';
import { endpointUrl } from '../common/urls.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import {
  ContributesMetadata,
  type MetadataContributor,
  type ProviderMetadata,
} from '../discovery/discovery-contributor.js';
import { UI_LOCALES } from '../interaction/i18n.js';
import { ACR_VALUES } from '../users/authentication-context.js';
import { SCOPE_CLAIMS } from '../users/user-claims.js';
import { AUTHORIZATION_PATH } from './authorization.controller.js';
import { PUSHED_AUTHORIZATION_PATH } from './pushed-authorization.controller.js';
import { REQUEST_OBJECT_SIGNING_ALGS } from './request-objects.js';
import { DEVICE_AUTHORIZATION_PATH } from './device-authorization.controller.js';

/** Discovery §3 members of the authorization endpoint, from what it does. */
@Injectable()
@ContributesMetadata()
export class AuthorizationMetadata implements MetadataContributor {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  contribute(): ProviderMetadata {
    return {
      authorization_endpoint: endpointUrl(this.config, AUTHORIZATION_PATH),
      // RFC 9126 §5.
      pushed_authorization_request_endpoint: endpointUrl(this.config, PUSHED_AUTHORIZATION_PATH),
      require_pushed_authorization_requests: this.config.authorization.requirePushedRequests,
      // RFC 8628 §4.
      device_authorization_endpoint: endpointUrl(this.config, DEVICE_AUTHORIZATION_PATH),
      scopes_supported: ['openid', ...Object.keys(SCOPE_CLAIMS), 'offline_access'],
      response_types_supported: ['code'],
      response_modes_supported: ['query', 'fragment', 'form_post'],
      code_challenge_methods_supported: this.config.authorization.allowPlainPkce
        ? ['S256', 'plain']
        : ['S256'],
      acr_values_supported: [...ACR_VALUES],
      claims_parameter_supported: true,
      // RFC 9101: signed request objects by value (and pushed); none by reference.
      request_parameter_supported: true,
      request_object_signing_alg_values_supported: [...REQUEST_OBJECT_SIGNING_ALGS],
      request_uri_parameter_supported: false,
      authorization_response_iss_parameter_supported: true,
      ui_locales_supported: [...UI_LOCALES],
      display_values_supported: ['page', 'popup', 'touch', 'wap'],
      claim_types_supported: ['normal'],
    };
  }
}
