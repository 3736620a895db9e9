/** Swagger for /register and /register/{client_id}: their error responses. Only documentation. */
import { ApiOAuthError } from '../common/errors/oauth-error.openapi.js';

/** The metadata errors of registration and update. */
export const ApiInvalidMetadataResponse = () =>
  ApiOAuthError(400, 'RFC 7591 §3.2.2 error response, naming the field', {
    invalid_redirect_uri: {
      error: 'invalid_redirect_uri',
      error_description:
        'redirect_uris[0] must use https (http only for 127.0.0.1, [::1] or localhost)',
    },
    invalid_client_metadata: {
      error: 'invalid_client_metadata',
      error_description:
        'grant_types[0] must be one of authorization_code, client_credentials, refresh_token',
    },
    invalid_request: {
      error: 'invalid_request',
      error_description: 'The body must be application/json',
    },
  });

/** RFC 6750 §3.1: no token is a bare challenge, a wrong one invalid_token. */
export const ApiInvalidTokenResponse = () =>
  ApiOAuthError(
    401,
    'No bearer token, or not a valid one',
    {
      invalid_token: {
        error: 'invalid_token',
        error_description: 'The registration access token is not valid',
      },
    },
    {
      'WWW-Authenticate': {
        description: 'Bearer, or Bearer error="invalid_token"',
        schema: { type: 'string' },
      },
    },
  );
