import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium; CHROMIUM_PATH may point elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = resolve('test-output', 'browser');

/**
 * Checks Chromium is there, before anything else is started: a missing browser is a failure
 * to fix, never a reason to skip.
 */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM}: the browser test needs it. Install it with ` +
        '`apt-get install -y chromium` (.ci/run does), or set CHROMIUM_PATH.',
    );
  }
}

/** Headless Chromium through playwright-core, which downloads no browser of its own. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Chromium's sandbox refuses to run as root (CI runs as root).
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
}

/** A full-page screenshot under test-output/browser/, to look at; its path is printed. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const shot = resolve(SCREENSHOTS, `${name}.png`);
  mkdirSync(dirname(shot), { recursive: true });
  await page.screenshot({ path: shot, fullPage: true });
  console.log(`screenshot: ${shot}`);
}
