import { statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { defineSettings, text } from '../config/settings.js';
import { IMAGE_EXTENSIONS } from './branding.js';

/** The sign-in pages' branding (branding.ts, docs/pages.md), after Authelia's `theme`. */
export const pagesSettings = defineSettings({
  id: 'pages',
  title: "Sign-in pages' branding (docs/pages.md)",
  settings: {
    PAGES_PRODUCT_NAME: text({
      default: 'Single sign-on',
      pattern: /^[^\p{Cc}]{1,60}$/u,
      message: 'PAGES_PRODUCT_NAME must be 1 to 60 characters without control characters',
      description:
        "The name in the header (when there is no logo), the footer and every page's title.",
      summary: "Shown in the header (when no logo), the footer and each page's title.",
      checks: '1–60 characters, no control characters.',
    }),
    PAGES_PRIMARY_COLOR: text({
      default: '#2457c5',
      pattern: /^#[0-9a-fA-F]{6}$/,
      message: 'PAGES_PRIMARY_COLOR must be a colour like #2457c5',
      description:
        'Buttons and accents. Links use it darkened or lightened just enough for WCAG AA contrast.',
      summary:
        'Buttons and accents, #rrggbb; links are darkened/lightened from it to keep WCAG AA contrast.',
      checks: '`#rrggbb`.',
    }),
    PAGES_LOGO_FILE: text({
      description: 'The logo in the header, in place of the name.',
      summary:
        'Image files (svg, png, jpg, webp, gif, ico) served by the provider at content-hashed URLs.',
      checks: 'An existing svg, png, jpg, webp, gif or ico.',
      shownDefault: 'none',
    }),
    PAGES_FAVICON_FILE: text({
      description: 'The favicon; without it, a key-hole mark in the primary colour.',
      checks: 'An existing svg, png, jpg, webp, gif or ico.',
      shownDefault: 'none',
    }),
    PAGES_CUSTOM_CSS_FILE: text({
      description:
        "CSS appended to the pages' stylesheet (served as one file, so the strict CSP still applies).",
      summary:
        "A CSS file appended to the stylesheet, to override the design's custom properties or rules.",
      checks: 'An existing file.',
      shownDefault: 'none',
    }),
    PAGES_TEMPLATES_DIR: text({
      description:
        'A folder of Eta templates (`login.eta`, `layout.eta`, ...) that replace the built-in ones.',
      summary:
        'A folder of Eta templates (<page>.eta) replacing the built-in ones; see docs/pages.md.',
      checks: 'An existing folder.',
      shownDefault: 'none',
    }),
  },
  *check(v) {
    // Files are read once at boot: each must be there, of the right kind.
    for (const [name, kind] of [
      ['PAGES_LOGO_FILE', 'file'],
      ['PAGES_FAVICON_FILE', 'file'],
      ['PAGES_CUSTOM_CSS_FILE', 'file'],
      ['PAGES_TEMPLATES_DIR', 'folder'],
    ] as const) {
      const path = v[name];
      if (path === undefined) continue;
      const stat = statSync(resolve(path), { throwIfNoEntry: false });
      if (!(kind === 'file' ? stat?.isFile() : stat?.isDirectory())) {
        yield `${name} must name an existing ${kind} (got "${path}")`;
      }
    }
    for (const name of ['PAGES_LOGO_FILE', 'PAGES_FAVICON_FILE'] as const) {
      const path = v[name];
      if (path !== undefined && !IMAGE_EXTENSIONS.includes(extname(resolve(path)).toLowerCase())) {
        yield `${name} must be an image (${IMAGE_EXTENSIONS.join(', ')})`;
      }
    }
  },
  config: (v) => {
    const absolute = (path: string | undefined) => (path === undefined ? undefined : resolve(path));
    return {
      pages: {
        productName: v.PAGES_PRODUCT_NAME,
        primaryColor: v.PAGES_PRIMARY_COLOR.toLowerCase(),
        logoFile: absolute(v.PAGES_LOGO_FILE),
        faviconFile: absolute(v.PAGES_FAVICON_FILE),
        customCssFile: absolute(v.PAGES_CUSTOM_CSS_FILE),
        templatesDir: absolute(v.PAGES_TEMPLATES_DIR),
      },
    };
  },
});
