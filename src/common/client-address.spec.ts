import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressUnit } from './client-address.js';

test('IPv4 counts per address, IPv6 per /64, mapped IPv4 as IPv4', () => {
  assert.equal(addressUnit('192.0.2.7'), '192.0.2.7');
  assert.equal(addressUnit('::ffff:192.0.2.7'), '192.0.2.7');
  assert.equal(addressUnit('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
  assert.equal(addressUnit('2001:DB8:1:2::ffff'), '2001:db8:1:2::/64');
  assert.equal(addressUnit('2001:0db8:0001:0002:aaaa::1'), '2001:db8:1:2::/64');
  assert.equal(addressUnit('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(addressUnit('fe80::1%eth0'), 'fe80:0:0:0::/64');
  assert.equal(addressUnit('[2001:db8:1:2::9]'), '2001:db8:1:2::/64');
  assert.equal(addressUnit('::1'), '0:0:0:0::/64');
  assert.equal(addressUnit('64:ff9b::192.0.2.7'), '64:ff9b:0:0::/64');
});

test('anything else is counted as itself, bounded, without throwing', () => {
  assert.equal(addressUnit(undefined), 'unknown');
  assert.equal(addressUnit(''), 'unknown');
  assert.equal(addressUnit(42), 'unknown');
  assert.equal(addressUnit('proxy.example'), 'other:proxy.example');
  assert.equal(addressUnit('x'.repeat(10_000)), 'malformed');
});
