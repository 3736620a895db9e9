/**
 * The pages' one stylesheet. Colours are custom properties: `:root` gets the brand's
 * (PAGES_PRIMARY_COLOR, adjusted for contrast) before this text, and an operator's
 * PAGES_CUSTOM_CSS_FILE after it. Every pair of text and background here meets WCAG 2.2 AA
 * (4.5:1 for text, 3:1 for field borders and the focus ring), in both colour schemes.
 */
export const BASE_STYLESHEET = `
:root {
  color-scheme: light dark;
  --bg: #eef1f5;
  --surface: #ffffff;
  --text: #1b1f24;
  --muted: #4f5965;
  --border: #747f8c;
  --divider: #dde2e8;
  --focus: #1a4fd0;
  --danger: #b3261e;
  --danger-bg: #fdeceb;
  --code-bg: #eef1f5;
  --shadow: 0 1px 2px rgb(16 24 40 / 6%), 0 8px 24px rgb(16 24 40 / 8%);
  --link: var(--primary-on-light);
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1216;
    --surface: #1a1e24;
    --text: #e9ecef;
    --muted: #aeb6c0;
    --border: #7b8592;
    --divider: #2e343c;
    --focus: #8fb3ff;
    --danger: #ffb4ab;
    --danger-bg: #3b1f1e;
    --code-bg: #252a31;
    --shadow: none;
    --link: var(--primary-on-dark);
  }
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0;
  min-height: 100vh;
  display: flex;
  flex-direction: column;
  align-items: center;
  background: var(--bg);
  color: var(--text);
  font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial, sans-serif;
}
.page { width: 100%; max-width: 28rem; padding: 2.5rem 1rem 1rem; flex: 1 0 auto; }
.brand { display: flex; justify-content: center; align-items: center; min-height: 3rem; margin-bottom: 1.5rem; }
.brand-logo { display: block; max-height: 3rem; max-width: 14rem; width: auto; height: auto; }
.brand-name { font-size: 1.25rem; font-weight: 650; letter-spacing: -0.01em; }
.card {
  background: var(--surface);
  border: 1px solid var(--divider);
  border-radius: 0.875rem;
  box-shadow: var(--shadow);
  padding: 2rem 1.75rem;
}
.client { display: flex; align-items: center; gap: 0.75rem; margin-bottom: 1.25rem; }
.client-logo { width: 3rem; height: 3rem; border-radius: 0.625rem; object-fit: contain; background: #fff; border: 1px solid var(--divider); flex: none; }
.client-name { font-weight: 600; overflow-wrap: anywhere; }
.client-label { display: block; font-size: 0.875rem; color: var(--muted); font-weight: 400; }
h1 { font-size: 1.5rem; line-height: 1.25; margin: 0 0 0.5rem; letter-spacing: -0.01em; }
p { margin: 0 0 1rem; }
.lead { color: var(--muted); margin-bottom: 1.5rem; }
a { color: var(--link); text-underline-offset: 0.15em; }
a:hover { text-decoration-thickness: 2px; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.875em; background: var(--code-bg); padding: 0.1rem 0.35rem; border-radius: 0.25rem; overflow-wrap: anywhere; }
.field { margin-bottom: 1.25rem; }
.field label { display: block; font-weight: 600; margin-bottom: 0.375rem; }
.hint { display: block; font-size: 0.875rem; color: var(--muted); margin-top: 0.375rem; }
input[type="text"], input[type="password"], input:not([type]) {
  display: block;
  width: 100%;
  min-height: 2.875rem;
  padding: 0.625rem 0.75rem;
  font: inherit;
  font-size: 1rem;
  color: var(--text);
  background: var(--surface);
  border: 1px solid var(--border);
  border-radius: 0.5rem;
}
input.code { font-size: 1.375rem; letter-spacing: 0.35em; font-variant-numeric: tabular-nums; text-align: center; }
input[aria-invalid="true"] { border-color: var(--danger); border-width: 2px; }
.check { display: flex; align-items: flex-start; gap: 0.625rem; margin-bottom: 1.5rem; }
.check input { width: 1.25rem; height: 1.25rem; margin: 0.125rem 0 0; accent-color: var(--primary); flex: none; }
.actions { display: grid; gap: 0.75rem; margin-top: 0.5rem; }
@media (min-width: 30rem) {
  .page { padding-top: 4rem; }
  .card { padding: 2.5rem 2.25rem; }
  /* Side by side when both labels fit on one line each, else stacked. */
  .actions.two { display: flex; flex-wrap: wrap; }
  .actions.two .button { flex: 1 1 0; min-width: max-content; }
}
.button {
  display: inline-flex;
  justify-content: center;
  align-items: center;
  min-height: 2.875rem;
  padding: 0.625rem 1.25rem;
  font: inherit;
  font-weight: 600;
  border-radius: 0.5rem;
  border: 1px solid transparent;
  cursor: pointer;
  text-decoration: none;
  width: 100%;
}
.button.primary { background: var(--primary); color: var(--on-primary); }
.button.primary:hover { filter: brightness(1.08); }
.button.secondary { background: transparent; color: var(--text); border-color: var(--border); }
.button.secondary:hover { background: var(--code-bg); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
input:focus-visible { outline-offset: 0; border-color: var(--focus); }
.alert {
  border-left: 4px solid var(--danger);
  background: var(--danger-bg);
  color: var(--text);
  padding: 0.75rem 1rem;
  border-radius: 0.375rem;
  margin-bottom: 1.25rem;
}
.alert strong { display: block; color: var(--danger); }
.scopes { list-style: none; padding: 0; margin: 0 0 1.25rem; border-top: 1px solid var(--divider); }
.scopes li { padding: 0.625rem 0 0.625rem 1.75rem; border-bottom: 1px solid var(--divider); position: relative; }
.scopes li::before { content: ""; position: absolute; left: 0.25rem; top: 1.05rem; width: 0.625rem; height: 0.625rem; border-radius: 50%; background: var(--primary); }
.who { font-size: 0.9375rem; color: var(--muted); }
.link { font: inherit; color: var(--link); background: none; border: 0; padding: 0; text-decoration: underline; text-underline-offset: 0.15em; cursor: pointer; }
.links { display: flex; flex-wrap: wrap; gap: 0.5rem 1.25rem; font-size: 0.875rem; margin: 1.5rem 0 0; }
.error-code { font-size: 0.875rem; color: var(--muted); }
.footer { padding: 1.5rem 1rem 2rem; font-size: 0.875rem; color: var(--muted); text-align: center; }
@media (max-width: 22rem) {
  .card { padding: 1.5rem 1.125rem; border-radius: 0.625rem; }
  h1 { font-size: 1.375rem; }
}
@media (prefers-reduced-motion: reduce) { * { transition: none !important; } }
@media (forced-colors: active) { .button, input { border: 1px solid CanvasText; } }
`;

/** The default favicon: a rounded key-hole mark in the brand's colour. */
export function defaultFavicon(primary: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="8" fill="${primary}"/><circle cx="16" cy="13" r="5" fill="#fff"/><rect x="14" y="16" width="4" height="9" rx="2" fill="#fff"/></svg>`;
}
