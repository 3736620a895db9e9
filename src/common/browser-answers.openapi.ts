import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';

const HTML = {
  'text/html': {
    schema: {
      type: 'string',
      description: 'An HTML page, in the request’s language',
      example: '<!doctype html><html lang="en">…</html>',
    },
  },
};
const LOCATION = {
  Location: {
    description: 'Where the browser goes next',
    schema: { type: 'string', format: 'uri' },
  },
};

/**
 * The answers of an endpoint a browser navigates to: a 303 on (to the client, or to the next
 * page), or a page. Only documentation: the routes render or redirect themselves.
 */
export const ApiBrowserAnswers = (what: { redirect: string; page?: string; error?: string }) =>
  applyDecorators(
    ApiResponse({ status: 303, description: what.redirect, headers: LOCATION }),
    ...(what.page === undefined
      ? []
      : [ApiResponse({ status: 200, description: what.page, content: HTML })]),
    ApiResponse({
      status: 400,
      description:
        what.error ??
        'The error page, in the request’s language: an error before the client and its redirect URI are trusted is never sent on',
      content: HTML,
    }),
  );
