import 'reflect-metadata';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HEADERS_METADATA } from '@nestjs/common/constants.js';
import { NoStore } from './no-store.js';

class Routes {
  @NoStore()
  plain(): void {}

  @NoStore({ pragma: true })
  tokens(): void {}
}

const headersOf = (route: () => void) => Reflect.getMetadata(HEADERS_METADATA, route) as unknown;

test('NoStore sets Cache-Control: no-store, and Pragma: no-cache only when asked', () => {
  assert.deepEqual(headersOf(Routes.prototype.plain), [
    { name: 'cache-control', value: 'no-store' },
  ]);
  assert.deepEqual(headersOf(Routes.prototype.tokens), [
    { name: 'pragma', value: 'no-cache' },
    { name: 'cache-control', value: 'no-store' },
  ]);
});
