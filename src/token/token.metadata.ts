import { Inject, Injectable } from '@nestjs/common';
import { CLIENT_SECRET_JWT_ALGS, PRIVATE_KEY_JWT_ALGS } from '../clients/client-metadata.js';
import { endpointUrl } from '../common/urls.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import {
  ContributesMetadata,
  type MetadataContributor,
  type ProviderMetadata,
} from '../discovery/discovery-contributor.js';
import { INTROSPECTION_PATH, REVOCATION_PATH, TOKEN_PATH } from './token.controller.js';
import { GrantRegistry } from './grants/grant-registry.js';
import { DPOP_SIGNING_ALGS } from './dpop.js';

const AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
];

@Injectable()
@ContributesMetadata()
export class TokenMetadata implements MetadataContributor {
  constructor(
    @Inject(GrantRegistry) private readonly grants: GrantRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  contribute(): ProviderMetadata {
    const signingAlgs = [...CLIENT_SECRET_JWT_ALGS, ...PRIVATE_KEY_JWT_ALGS];
    return {
      token_endpoint: endpointUrl(this.config, TOKEN_PATH),
      grant_types_supported: this.grants.types,
      token_endpoint_auth_methods_supported: [...AUTH_METHODS, 'none'],
      token_endpoint_auth_signing_alg_values_supported: signingAlgs,
      introspection_endpoint: endpointUrl(this.config, INTROSPECTION_PATH),
      introspection_endpoint_auth_methods_supported: AUTH_METHODS,
      introspection_endpoint_auth_signing_alg_values_supported: signingAlgs,
      // RFC 9701 §7: JWT answers, signed; no introspection_encryption_* (not offered).
      introspection_signing_alg_values_supported: [...this.config.keys.algorithms],
      revocation_endpoint: endpointUrl(this.config, REVOCATION_PATH),
      revocation_endpoint_auth_methods_supported: [...AUTH_METHODS, 'none'],
      revocation_endpoint_auth_signing_alg_values_supported: signingAlgs,
      // RFC 9449 §5.1: proofs are checked at /token, /userinfo and the admin API.
      dpop_signing_alg_values_supported: [...DPOP_SIGNING_ALGS],
    };
  }
}
