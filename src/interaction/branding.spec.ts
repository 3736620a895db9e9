import { test } from 'node:test';
import assert from 'node:assert/strict';
import { colourProperties, contrast } from './branding.js';

const LIGHT_SURFACE = '#ffffff';
const DARK_SURFACE = '#1a1e24';

function properties(primary: string): Record<string, string> {
  const css = colourProperties(primary);
  return Object.fromEntries(
    [...css.matchAll(/--([\w-]+):(#[0-9a-f]{6})/g)].map((m) => [m[1], m[2]]),
  );
}

test('any primary colour gives AA contrast: its button label, and links in both schemes', () => {
  for (const primary of [
    '#2457c5',
    '#f5c518',
    '#0b7a3e',
    '#ffffff',
    '#000000',
    '#e8590c',
    '#7f7f7f',
  ]) {
    const p = properties(primary);
    assert.ok(contrast(p['on-primary'], p.primary) >= 4.5, `${primary} label`);
    assert.ok(contrast(p['primary-on-light'], LIGHT_SURFACE) >= 4.5, `${primary} link, light`);
    assert.ok(contrast(p['primary-on-dark'], DARK_SURFACE) >= 4.5, `${primary} link, dark`);
  }
});

test('the button keeps the brand colour exactly unless no label could read on it', () => {
  assert.equal(properties('#2457c5').primary, '#2457c5');
  assert.equal(properties('#f5c518').primary, '#f5c518');
  assert.equal(properties('#f5c518')['on-primary'], '#111418');
  // A mid-tone where neither white nor black reaches 4.5:1 is darkened for a white label.
  const mid = properties('#3d7ecf');
  assert.notEqual(mid.primary, '#3d7ecf');
  assert.equal(mid['on-primary'], '#ffffff');
});

test('contrast follows WCAG 2.2: black on white is 21:1, a colour on itself 1:1', () => {
  assert.equal(Math.round(contrast('#000000', '#ffffff')), 21);
  assert.equal(contrast('#2457c5', '#2457c5'), 1);
});
