import { ApiResponse, type HeadersObject, type SchemaObject } from '@nestjs/swagger';

/** The body every error filter writes (RFC 6749 §5.2): `error` and `error_description`. */
export const OAUTH_ERROR_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['error'],
  properties: {
    error: { type: 'string', description: 'The RFC error code' },
    error_description: { type: 'string', description: 'Human-readable, safe to show' },
  },
};

/**
 * Documents an error response in the shape the error filters write, with one named example per
 * error code, for Swagger only.
 */
export function ApiOAuthError(
  status: number,
  description: string,
  examples: Record<string, { error: string; error_description: string }>,
  headers?: HeadersObject,
): MethodDecorator & ClassDecorator {
  return ApiResponse({
    status,
    description,
    ...(headers && { headers }),
    content: {
      'application/json': {
        schema: OAUTH_ERROR_SCHEMA,
        examples: Object.fromEntries(
          Object.entries(examples).map(([name, value]) => [name, { value }]),
        ),
      },
    },
  });
}
