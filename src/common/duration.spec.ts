import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseDuration } from './duration.js';

test('parses the human forms Authelia accepts', () => {
  const cases: [string, number][] = [
    ['90m', 5_400_000],
    ['1h', 3_600_000],
    ['7d', 604_800_000],
    ['1w', 604_800_000],
    ['1h30m', 5_400_000],
    ['1h 30m', 5_400_000],
    ['2s', 2_000],
    ['500ms', 500],
    ['60', 60_000],
  ];
  for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text);
});

test('rejects what is not a duration', () => {
  for (const text of ['', 'abc', '1x', '-1h', '1.5h', 'h', '1h junk', '99999999999999999999y']) {
    assert.equal(parseDuration(text), undefined, JSON.stringify(text));
  }
});

test('formats milliseconds in the shortest unit', () => {
  assert.equal(formatDuration(5_400_000), '90m');
  assert.equal(formatDuration(86_400_000), '1d');
  assert.equal(formatDuration(1_500), '1500ms');
});
