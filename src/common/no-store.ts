import { applyDecorators, Header } from '@nestjs/common';

/** Keeps a response out of every cache (RFC 9111 §5.2.2.5). */
export const NO_STORE: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'no-store',
});

/**
 * The same for HTTP/1.0 caches too, as RFC 6749 §5.1 asks of token responses (and RFC 7591
 * §3.2.1, OpenID Connect Core §3.1.3.3 of theirs); every JSON error is sent with it.
 */
export const NO_STORE_NO_CACHE: Readonly<Record<string, string>> = Object.freeze({
  pragma: 'no-cache',
  ...NO_STORE,
});

/**
 * Marks a route's answers no-store: the headers are set once the guards let the request in, so
 * they hold for answers sent through `@Res()` too; errors get theirs from the JSON error filter.
 * `pragma: true` adds `Pragma: no-cache` for responses that carry tokens or secrets to clients.
 */
export const NoStore = ({ pragma = false }: { pragma?: boolean } = {}) =>
  applyDecorators(
    ...Object.entries(pragma ? NO_STORE_NO_CACHE : NO_STORE).map(([name, value]) =>
      Header(name, value),
    ),
  );
