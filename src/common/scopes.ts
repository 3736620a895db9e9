/**
 * A space-delimited list (RFC 6749 §3.3 `scope`, and the other spaced parameters such as
 * `prompt` and `ui_locales`) as its distinct values, in order; repeated and extra spaces are
 * ignored.
 */
export function spacedList(text: string | undefined): string[] {
  return text === undefined ? [] : [...new Set(text.split(' ').filter(Boolean))];
}
