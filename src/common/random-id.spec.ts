import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomId } from './random-id.js';

test('ids have the asked length, the base64url alphabet, and never repeat across pool refills', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 2_000; i++) {
    const id = randomId(16);
    assert.match(id, /^[A-Za-z0-9_-]{22}$/);
    assert.ok(!seen.has(id));
    seen.add(id);
  }
  assert.equal(Buffer.from(randomId(32), 'base64url').length, 32);
  assert.throws(() => randomId(5000), RangeError);
});

test('the bytes look uniform: no byte value is over- or under-represented', () => {
  const counts = new Array<number>(256).fill(0);
  for (let i = 0; i < 4_000; i++) {
    for (const b of Buffer.from(randomId(32), 'base64url')) counts[b]++;
  }
  // 128,000 bytes: 500 expected per value; 5 standard deviations either side.
  for (const c of counts) assert.ok(c > 390 && c < 610, `count ${c}`);
});
