import { HttpException, type Logger } from '@nestjs/common';
import {
  InvalidRequest,
  NotFound,
  OAuthError,
  ServerError,
  TemporarilyUnavailable,
} from './oauth-error.js';
import { outageOf, RETRY_AFTER_SECONDS, type Dependency } from './unavailable.js';

/** Told of each request that found a dependency away (health/outages.ts). */
export interface OutageReporter {
  report(dependency: Dependency, error: unknown): void;
}

/** Messages for the framework's own 4xx errors; the parser's text is never echoed. */
const FRAMEWORK_ERRORS: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported content type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'Request body is too large',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Request body is empty',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body',
  FST_ERR_CTP_EMPTY_TYPE: 'Content type is missing',
  FST_ERR_CTP_INVALID_TYPE: 'Content type is invalid',
  FST_ERR_BAD_URL: 'Malformed URL',
  FST_ERR_MAX_PARAM_LENGTH: 'A path segment is too long',
  FST_ERR_CTP_INVALID_JSON_BODY: 'The body is not valid JSON',
  OP_ERR_JSON_TOO_DEEP: 'The JSON body is nested too deeply',
  OP_ERR_JSON_UNSAFE_TEXT: 'The JSON body holds a NUL character or a lone surrogate',
};

function isClientStatus(status: unknown): status is number {
  return typeof status === 'number' && status >= 400 && status < 500;
}

/** The answer while Postgres or the short-lived store is away: 503 and when to try again. */
export function temporarilyUnavailable(): TemporarilyUnavailable {
  return new TemporarilyUnavailable(
    'The service is temporarily unavailable; try again shortly',
  ).withHeader('retry-after', String(RETRY_AFTER_SECONDS));
}

/**
 * Maps anything thrown into the OAuth error family. Client errors keep their status with a
 * safe description; a dependency that is away is 503 with `Retry-After`, reported to
 * `outages` rather than logged per request; anything else is logged and becomes
 * `server_error`, without details.
 */
export function toOAuthError(
  exception: unknown,
  logger: Logger,
  outages?: OutageReporter,
): OAuthError {
  if (exception instanceof OAuthError) {
    if (exception.status >= 500) logger.error(exception);
    return exception;
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status === 404) return new NotFound('The requested resource does not exist');
    if (isClientStatus(status)) {
      const response = exception.getResponse();
      const message =
        typeof response === 'object' && response !== null && 'message' in response
          ? ([] as unknown[]).concat(response.message).join('; ')
          : exception.message;
      return new InvalidRequest(message, status);
    }
  }
  const e = exception as { statusCode?: unknown; code?: unknown } | null;
  if (e && isClientStatus(e.statusCode)) {
    const code = typeof e.code === 'string' ? e.code : '';
    const description =
      FRAMEWORK_ERRORS[code] ?? (e.statusCode === 400 ? 'Malformed request' : 'Request rejected');
    if (e.statusCode === 404) return new NotFound('The requested resource does not exist');
    return new InvalidRequest(description, e.statusCode);
  }
  // Postgres refuses text it cannot store (a NUL byte, say): the request's fault, whichever
  // input carried it.
  if (e && typeof e.code === 'string' && UNSTORABLE_INPUT.has(e.code)) {
    return new InvalidRequest('The request contains a value that cannot be stored');
  }
  const dependency = outageOf(exception);
  if (dependency) {
    if (outages) outages.report(dependency, exception);
    else logger.warn(`${dependency} unavailable: ${loggable(exception).message}`);
    return temporarilyUnavailable();
  }
  logger.error(loggable(exception));
  return new ServerError('An unexpected error occurred');
}

/** SQLSTATEs of text Postgres cannot take: a NUL byte, or characters outside the encoding. */
const UNSTORABLE_INPUT = new Set(['22021', '22P05']);

/**
 * The error as it may be logged. A failed query carries its parameters (a password digest, a
 * token digest, a user's claims) as properties that the log serializer would copy: only the
 * name, message, SQLSTATE, SQL text and stack are kept.
 */
function loggable(exception: unknown): Error {
  if (!(exception instanceof Error)) return new Error(String(exception));
  if (!('parameters' in exception) && !('driverError' in exception)) return exception;
  const clean = new Error(exception.message);
  clean.name = exception.name;
  clean.stack = exception.stack;
  const { code, query } = exception as { code?: unknown; query?: unknown };
  Object.assign(clean, { code, query });
  return clean;
}
