import { DiscoveryService } from '@nestjs/core';
import type { AuthenticatedClient } from '../../clients/auth/client-authenticator.js';

/** RFC 6749 §5.1 successful response. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer' | 'DPoP';
  expires_in: number;
  scope?: string;
  refresh_token?: string;
  id_token?: string;
  issued_token_type?: string;
}

/**
 * One grant type. `parameters` is a class-validator DTO: its properties are the parameters the
 * grant accepts (anything else in the body is ignored), validated before `handle` runs.
 */
export interface GrantHandler<P extends object = object> {
  readonly parameters: new () => P;
  handle(client: AuthenticatedClient, parameters: P): Promise<TokenResponse>;
}

/** Marks a provider as the handler of a `grant_type`; the token endpoint finds it by this. */
export const Grant = DiscoveryService.createDecorator<string>();
