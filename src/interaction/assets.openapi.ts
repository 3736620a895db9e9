import { ApiProperty, ApiResponse } from '@nestjs/swagger';
import { ApiOAuthError } from '../common/errors/oauth-error.openapi.js';

/** The path parameter of `GET /assets/{name}`: an asset's content-hashed file name. */
export class AssetParams {
  @ApiProperty({
    description:
      "The file name the pages link to: `<stem>.<hash>.<ext>`, the hash being the first 16 base64url characters of the content's SHA-256",
    example: 'pages.Xq3v0cD9kL2mN8pR.css',
    pattern: '^[a-z-]+\\.[A-Za-z0-9_-]{16}\\.[a-z]+$',
  })
  name!: string;
}

const BINARY = { schema: { type: 'string', format: 'binary' } } as const;

/** The stylesheet or image, and the headers that let browsers keep it for a year. */
export const ApiAssetResponses = (): MethodDecorator => {
  const ok = ApiResponse({
    status: 200,
    description:
      'The asset; its name changes with its content, so it is cached for a year without revalidation (RFC 8246 `immutable`)',
    headers: {
      'Cache-Control': {
        schema: { type: 'string', example: 'public, max-age=31536000, immutable' },
      },
      'Content-Security-Policy': {
        schema: {
          type: 'string',
          example: "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        },
      },
    },
    content: {
      'text/css': { schema: { type: 'string', example: ':root { --primary: #2457c5; }' } },
      'image/svg+xml': BINARY,
      'image/png': BINARY,
      'image/jpeg': BINARY,
      'image/webp': BINARY,
      'image/gif': BINARY,
      'image/x-icon': BINARY,
    },
  });
  const notFound = ApiOAuthError(404, 'No asset has that name (an old hash, or a typo)', {
    not_found: { error: 'not_found', error_description: 'The requested resource does not exist' },
  });
  return (target, key, descriptor) => {
    ok(target, key, descriptor);
    notFound(target, key, descriptor);
  };
};
