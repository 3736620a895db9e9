import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isHandle, newHandle } from './opaque-handle.js';

test('a handle is 256 bits of base64url, never the same twice', () => {
  const handles = new Set(Array.from({ length: 1000 }, newHandle));
  assert.equal(handles.size, 1000);
  for (const handle of handles) {
    assert.ok(isHandle(handle), handle);
    assert.equal(Buffer.from(handle, 'base64url').length, 32);
  }
});

test('anything else is not a handle, whatever its type', () => {
  const handle = newHandle();
  for (const value of [
    undefined,
    null,
    42,
    {},
    [handle],
    '',
    handle.slice(1),
    `${handle}A`,
    `${handle.slice(1)}=`,
    `${handle.slice(1)}+`,
    ` ${handle.slice(1)}`,
  ]) {
    assert.equal(isHandle(value), false, JSON.stringify(value));
  }
});
