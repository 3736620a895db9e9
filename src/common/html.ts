import { createHash, randomBytes } from 'node:crypto';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => ESCAPES[c]);
}

const PAGE_STYLE =
  'body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1f2933}' +
  'h1{font-size:1.4rem}code{background:#f0f4f8;padding:.1rem .3rem;border-radius:3px}';
const STYLE_HASH = `'sha256-${createHash('sha256').update(PAGE_STYLE).digest('base64')}'`;

/** The CSP source that lets a page load `uri` in a frame: its http(s) origin, else nothing. */
function frameSource(uri: string): string | undefined {
  if (!URL.canParse(uri)) return undefined;
  const url = new URL(uri);
  return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : undefined;
}

/**
 * The CSP source that lets a form's answer redirect to `uri`: its origin for http(s), its
 * scheme for a native app's custom scheme (RFC 8252 §7.1). Undefined for anything else.
 */
function formTargetSource(uri: string): string | undefined {
  const origin = frameSource(uri);
  if (origin !== undefined || !URL.canParse(uri)) return origin;
  const { protocol } = new URL(uri);
  return /^[a-z][a-z0-9+.-]*:$/i.test(protocol) ? protocol : undefined;
}

/**
 * A strict policy for the server-rendered pages: nothing loads but the page's own style, and
 * forms post to the provider only. Browsers apply `form-action` to the redirects that answer
 * a form too (Chromium blocks them), so a sign-in page whose form may end in a redirect to the
 * client names the client's redirect URI in `formTargets`.
 */
export function pageCsp(
  formTargets: readonly string[] = [],
  frames: readonly string[] = [],
): string {
  const sources = [
    "'self'",
    ...new Set(formTargets.map(formTargetSource).filter((s) => s !== undefined)),
  ];
  const frameSources = [...new Set(frames.map(frameSource).filter((s) => s !== undefined))];
  const frameSrc = frameSources.length > 0 ? `; frame-src ${frameSources.join(' ')}` : '';
  // The provider's own stylesheet and images ('self'), and the clients' https logos.
  return `default-src 'none'; style-src 'self'; img-src 'self' https: data:; form-action ${sources.join(' ')}${frameSrc}; frame-ancestors 'none'; base-uri 'none'`;
}

/** A page; `headHtml` (already escaped) goes at the end of its head. */
export function renderPage(title: string, bodyHtml: string, lang = 'en', headHtml = ''): string {
  return `<!doctype html><html lang="${escapeHtml(lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer">${headHtml}<title>${escapeHtml(title)}</title><style>${PAGE_STYLE}</style></head><body>${bodyHtml}</body></html>`;
}

/**
 * OAuth 2.0 Form Post Response Mode: an auto-submitting form that also works without script
 * (the button). Returns the page and the CSP that allows exactly its inline script.
 */
export function renderFormPost(
  action: string,
  params: Record<string, string>,
): { html: string; csp: string } {
  const nonce = randomBytes(16).toString('base64');
  const inputs = Object.entries(params)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('');
  const html = renderPage(
    'Submit this form',
    `<form method="post" action="${escapeHtml(action)}">${inputs}<noscript><p>Script is disabled: press the button to continue.</p></noscript><button type="submit">Continue</button></form><script nonce="${nonce}">document.forms[0].submit()</script>`,
  );
  const origin = new URL(action).origin;
  const csp = `default-src 'none'; script-src 'nonce-${nonce}'; style-src ${STYLE_HASH}; form-action ${origin}; frame-ancestors 'none'; base-uri 'none'`;
  return { html, csp };
}
