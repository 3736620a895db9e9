import { InvalidTarget } from './errors/oauth-error.js';

/** Generous for any real client, short of abuse: a token names a few resource servers. */
const MAX_RESOURCES = 20;

/**
 * The `resource` parameters of a request (RFC 8707 §2), at `/authorize` and `/token` alike:
 * each an absolute URI without a fragment, at most 20, as their distinct values in order;
 * anything else is `invalid_target`.
 */
export function resourceIndicators(value: unknown): string[] {
  if (value === undefined || value === '') return [];
  const list: unknown[] = Array.isArray(value) ? value : [value];
  if (list.length > MAX_RESOURCES)
    throw new InvalidTarget(`At most ${MAX_RESOURCES} resource parameters`);
  for (const r of list) {
    if (typeof r !== 'string' || !URL.canParse(r) || r.includes('#'))
      throw new InvalidTarget('resource must be an absolute URI without a fragment');
  }
  return [...new Set(list as string[])];
}
