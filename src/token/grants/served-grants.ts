import { DeviceCodeGrant } from './device-code.grant.js';
import { AuthorizationCodeGrant } from './authorization-code.grant.js';
import { ClientCredentialsGrant } from './client-credentials.grant.js';
import { RefreshTokenGrant } from './refresh-token.grant.js';
import { TokenExchangeGrant } from './token-exchange.grant.js';

/**
 * The grants the token endpoint serves: the token module provides each. The client metadata
 * validator imports this list too, so every grant has declared itself (by its `@Grant`) wherever
 * the validator runs, inside Nest or not.
 */
export const SERVED_GRANTS = [
  ClientCredentialsGrant,
  AuthorizationCodeGrant,
  RefreshTokenGrant,
  TokenExchangeGrant,
  DeviceCodeGrant,
];
