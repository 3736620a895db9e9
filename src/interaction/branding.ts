import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { AppConfig } from '../config/app-config.js';
import { BASE_STYLESHEET, defaultFavicon } from './pages.style.js';

/** Injection token for the `Branding` read once at boot. */
export const BRANDING = Symbol('BRANDING');

/** A file the provider serves under `/assets/`, named by its content's hash. */
export interface Asset {
  /** `<stem>.<hash>.<ext>`: a new content is a new URL, so browsers may cache it for ever. */
  name: string;
  type: string;
  body: Buffer;
}

/** What the pages show of the operator, built once at boot from PAGES_*. */
export interface Branding {
  productName: string;
  stylesheet: Asset;
  favicon: Asset;
  logo?: Asset;
  /** Eta templates from PAGES_TEMPLATES_DIR, by page name (`login`, `layout`, ...). */
  templates: Record<string, string>;
}

const TYPES: Record<string, string> = {
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
};

/** The image types PAGES_LOGO_FILE and PAGES_FAVICON_FILE may have. */
export const IMAGE_EXTENSIONS = Object.keys(TYPES);

function asset(stem: string, ext: string, type: string, body: Buffer): Asset {
  const hash = createHash('sha256').update(body).digest('base64url').slice(0, 16);
  return { name: `${stem}.${hash}${ext}`, type, body };
}

function imageAsset(stem: string, file: string): Asset {
  const ext = extname(file).toLowerCase();
  return asset(stem, ext, TYPES[ext], readFileSync(file));
}

type Rgb = [number, number, number];

function parseHex(hex: string): Rgb {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function toHex(rgb: Rgb): string {
  return `#${rgb.map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`;
}

/** WCAG 2.2 relative luminance. */
function luminance([r, g, b]: Rgb): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(parseHex(a)), luminance(parseHex(b))].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** `colour` moved toward `toward` in steps until it reaches 4.5:1 against `background`. */
function readableOn(colour: string, background: string, toward: Rgb): string {
  const from = parseHex(colour);
  for (let step = 0; step <= 20; step++) {
    const t = step / 20;
    const mixed = toHex(from.map((c, i) => c + (toward[i] - c) * t) as Rgb);
    if (contrast(mixed, background) >= 4.5) return mixed;
  }
  return toHex(toward);
}

/** The surfaces the stylesheet puts text on (keep in step with pages.style.ts). */
const LIGHT_SURFACE = '#ffffff';
const DARK_SURFACE = '#1a1e24';

/**
 * The brand's colour as custom properties. The button keeps it, with a white or near-black
 * label, whichever reads better; the few mid-tones where neither reaches 4.5:1 are darkened
 * just enough for a white label. Links use it darkened (light scheme) or lightened (dark
 * scheme) just enough for WCAG AA, so any colour an operator picks stays accessible.
 */
export function colourProperties(primary: string): string {
  const [white, dark] = ['#ffffff', '#111418'];
  let button = primary;
  let label = contrast(primary, white) >= contrast(primary, dark) ? white : dark;
  if (contrast(button, label) < 4.5) {
    button = readableOn(primary, white, [0, 0, 0]);
    label = white;
  }
  const light = readableOn(primary, LIGHT_SURFACE, [0, 0, 0]);
  const darkLink = readableOn(primary, DARK_SURFACE, [255, 255, 255]);
  return `:root{--primary:${button};--on-primary:${label};--primary-on-light:${light};--primary-on-dark:${darkLink}}`;
}

/** The page names a template in PAGES_TEMPLATES_DIR may replace (`<name>.eta`). */
export const TEMPLATE_NAMES = [
  'layout',
  'login',
  'totp',
  'consent',
  'error',
  'signed-out',
  'logout',
  'still-signed-in',
] as const;

function loadTemplates(dir: string | undefined): Record<string, string> {
  if (dir === undefined) return {};
  const templates: Record<string, string> = {};
  for (const file of readdirSync(dir)) {
    const name = file.replace(/\.eta$/, '');
    if (file.endsWith('.eta') && (TEMPLATE_NAMES as readonly string[]).includes(name)) {
      templates[name] = readFileSync(join(dir, file), 'utf8');
    }
  }
  return templates;
}

/** Reads the branding files once; config validation has checked they exist. */
export function loadBranding(pages: AppConfig['pages']): Branding {
  const custom = pages.customCssFile ? `\n${readFileSync(pages.customCssFile, 'utf8')}` : '';
  const css = `${colourProperties(pages.primaryColor)}${BASE_STYLESHEET}${custom}`;
  return {
    productName: pages.productName,
    stylesheet: asset('pages', '.css', 'text/css; charset=utf-8', Buffer.from(css)),
    favicon: pages.faviconFile
      ? imageAsset('favicon', pages.faviconFile)
      : asset('favicon', '.svg', TYPES['.svg'], Buffer.from(defaultFavicon(pages.primaryColor))),
    logo: pages.logoFile ? imageAsset('logo', pages.logoFile) : undefined,
    templates: loadTemplates(pages.templatesDir),
  };
}
