/**
 * What the JSON endpoints (registration, the admin API) accept beyond what `JSON.parse` does:
 * no nesting deeper than any metadata needs (a deep document would exhaust the stack, a 500),
 * and text that Postgres and every client can hold — no NUL character, no lone UTF-16
 * surrogate (RFC 8259 §8.2: such strings are not interoperable; encoded to UTF-8 they silently
 * become U+FFFD).
 */
export const MAX_JSON_DEPTH = 32;

/** A refusal of the body, as Fastify's parsers report them: a 400 with a code for the filter. */
export class JsonBodyRefused extends Error {
  readonly statusCode = 400;
  constructor(readonly code: 'OP_ERR_JSON_TOO_DEEP' | 'OP_ERR_JSON_UNSAFE_TEXT') {
    super(code);
    this.name = 'JsonBodyRefused';
  }
}

/** The deepest nesting of arrays and objects in a JSON text, without parsing it. */
function nestingDepth(text: string, limit: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return depth;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return depth;
}

/** In a `u` pattern, a surrogate pair reads as one code point: only a lone one matches. */
const LONE_SURROGATE = /\p{Cs}/u;

/** Whether every key and string in the value is well-formed text without NUL. */
function holdsSafeText(value: unknown): boolean {
  if (typeof value === 'string') return !LONE_SURROGATE.test(value) && !value.includes('\u0000');
  if (Array.isArray(value)) return value.every(holdsSafeText);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).every(([key, item]) => holdsSafeText(key) && holdsSafeText(item));
  }
  return true;
}

/** Before parsing: refuses a text nested deeper than MAX_JSON_DEPTH. */
export function refuseDeepJson(text: string): void {
  if (nestingDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw new JsonBodyRefused('OP_ERR_JSON_TOO_DEEP');
  }
}

/** After parsing: refuses a value holding NUL or a lone surrogate, in a key or a string. */
export function refuseUnsafeText(value: unknown): void {
  if (!holdsSafeText(value)) throw new JsonBodyRefused('OP_ERR_JSON_UNSAFE_TEXT');
}
