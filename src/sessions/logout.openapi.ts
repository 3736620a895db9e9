/**
 * Swagger for `/end_session`: the parameters of RP-Initiated Logout 1.0 §2, the same in the
 * query of a GET and the form body of a POST. Only documentation: `logout.service.ts` checks
 * them.
 */
import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiPropertyOptional, ApiQuery } from '@nestjs/swagger';

export class EndSessionParameters {
  @ApiPropertyOptional({
    maxLength: 16384,
    description:
      'An ID token this provider issued to the client (expired ones too): with it, the session of its user ends without a confirmation page',
  })
  id_token_hint?: string;

  @ApiPropertyOptional({
    maxLength: 200,
    description: 'The client asking; must match the id_token_hint’s audience when both are sent',
    example: 'reports',
  })
  client_id?: string;

  @ApiPropertyOptional({
    format: 'uri',
    maxLength: 2000,
    description:
      'One of the client’s registered post_logout_redirect_uris; followed only when the client is known (id_token_hint or client_id)',
    example: 'https://reports.example.com/signed-out',
  })
  post_logout_redirect_uri?: string;

  @ApiPropertyOptional({
    maxLength: 2000,
    description: 'Returned unchanged with the redirect to post_logout_redirect_uri',
    example: 'af0ifjsldkj',
  })
  state?: string;

  @ApiPropertyOptional({
    maxLength: 200,
    description: 'Space-separated BCP 47 tags for the pages, by preference (English and French)',
    example: 'fr en',
  })
  ui_locales?: string;

  @ApiPropertyOptional({
    maxLength: 200,
    description:
      'Who is signing out: the session’s sid, the user’s sub at the client or their username; naming someone else brings the confirmation page',
    example: 'alice',
  })
  logout_hint?: string;
}

/** The parameters of a GET, in its query. */
export const ApiEndSessionQuery = () => ApiQuery({ type: EndSessionParameters });

/** The same parameters in the form body of a POST. */
export const ApiEndSessionForm = () =>
  applyDecorators(
    ApiConsumes('application/x-www-form-urlencoded'),
    ApiBody({ type: EndSessionParameters }),
  );
