import { InvalidRequest } from '../common/errors/oauth-error.js';
import { parseDuration } from '../common/duration.js';

/** A JSON object body, or a clear 400. */
export function jsonObject(body: unknown, what = 'The body'): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidRequest(`${what} must be a JSON object`);
  }
  return body as Record<string, unknown>;
}

/** An optional JSON body: absent is an empty object. */
export function optionalJsonObject(body: unknown): Record<string, unknown> {
  return body === undefined || body === null || body === '' ? {} : jsonObject(body);
}

/** Paging parameters of list endpoints: `limit` 1..200 (default 50) and an `after` cursor. */
export function paging(query: Record<string, unknown>): { limit: number; after?: string } {
  const { limit, after } = query;
  let n = 50;
  if (limit !== undefined) {
    if (
      typeof limit !== 'string' ||
      !/^\d{1,3}$/.test(limit) ||
      Number(limit) < 1 ||
      Number(limit) > 200
    ) {
      throw new InvalidRequest('limit must be a whole number from 1 to 200');
    }
    n = Number(limit);
  }
  if (
    after !== undefined &&
    (typeof after !== 'string' || after.length === 0 || after.length > 200)
  ) {
    throw new InvalidRequest('after must be the next cursor of the previous page');
  }
  return { limit: n, after: after };
}

/** A duration (`1h`, `30m`) or a number of seconds, at most `maxMs`. */
export function durationInput(value: unknown, field: string, maxMs: number): number {
  const ms =
    typeof value === 'number' && Number.isInteger(value) && value >= 0
      ? value * 1000
      : typeof value === 'string'
        ? parseDuration(value)
        : undefined;
  if (ms === undefined || ms > maxMs) {
    throw new InvalidRequest(
      `${field} must be a duration such as 1h or a number of seconds, at most ${maxMs / 86_400_000}d`,
    );
  }
  return ms;
}
