/**
 * Swagger for the device verification page `/device` (RFC 8628 §3.3): a browser's page, so its
 * answers are pages and redirects. Only documentation: the controller checks the form.
 */
import { applyDecorators } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiProperty,
  ApiPropertyOptional,
  ApiQuery,
  ApiResponse,
} from '@nestjs/swagger';
import { ApiBrowserAnswers } from '../common/browser-answers.openapi.js';

const USER_CODE = {
  maxLength: 20,
  description:
    'The code the device shows: 8 of BCDFGHJKLMNPQRSTVWXZ; case, spaces and the dash do not matter',
  example: 'WDJB-MJHT',
};

export class DeviceVerificationQuery {
  @ApiPropertyOptional({
    ...USER_CODE,
    description: `${USER_CODE.description}; filled in from verification_uri_complete`,
  })
  user_code?: string;
}

export class DeviceVerificationForm {
  @ApiProperty(USER_CODE)
  user_code!: string;

  @ApiProperty({
    description: 'The form’s token, equal to the op_device_form cookie the page set',
    example: 'hGc9mE3pC1x5Jw0oKq7UuZf2bT8yR4nLvDs6aWiPeXk',
  })
  csrf!: string;
}

const PAGE = {
  'text/html': {
    schema: { type: 'string', example: '<!doctype html><html lang="en">…</html>' },
  },
};

export const ApiDeviceCodePage = () =>
  applyDecorators(
    ApiQuery({ type: DeviceVerificationQuery }),
    ApiResponse({
      status: 200,
      description: 'The page where the user types the code (sets the op_device_form cookie)',
      content: PAGE,
    }),
  );

export const ApiDeviceCodeForm = () =>
  applyDecorators(
    ApiConsumes('application/x-www-form-urlencoded'),
    ApiBody({ type: DeviceVerificationForm }),
    ApiBrowserAnswers({
      redirect: 'A known code: to the sign-in pages /interaction/{id} (login, then consent)',
      error:
        'The page again, saying the code is unknown, used or expired, or the form lacked its cookie',
    }),
    ApiResponse({
      status: 429,
      description: 'Too many wrong codes from this address: the page says to wait',
      content: PAGE,
    }),
  );
