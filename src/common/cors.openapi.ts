import { applyDecorators } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation } from '@nestjs/swagger';

/** Swagger for a CORS preflight route (`answerPreflight`). Only documentation. */
export const ApiPreflight = () =>
  applyDecorators(
    ApiOperation({ summary: 'CORS preflight for browser clients', deprecated: true }),
    ApiNoContentResponse({
      description:
        'Any origin may ask; with an Origin header the answer allows the methods and headers of the real request for 10 minutes, and whether the page may read that answer is decided per client',
      headers: {
        'Access-Control-Allow-Origin': {
          description: 'The Origin of the preflight',
          schema: { type: 'string' },
        },
        'Access-Control-Allow-Methods': { schema: { type: 'string', example: 'POST' } },
        'Access-Control-Allow-Headers': {
          schema: { type: 'string', example: 'authorization, content-type, dpop' },
        },
        'Access-Control-Max-Age': { schema: { type: 'string', example: '600' } },
      },
    }),
  );
