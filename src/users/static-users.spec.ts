import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readStaticUsers, StaticUsersError } from './static-users.js';

const DIGEST =
  '$pbkdf2-sha512$310000$c8p78n7pUMln0jzvd4aK4Q$JNRBzwAo0ek5qKn50cFzzvE9RXV88h1wJn5KGiHrD0YKtZaR/nCb2CJPOsKaPK0hjf.9yHxzQGZziziccp6Yng';

test("reads Authelia's file user database", () => {
  const [john, harry] = readStaticUsers(`
users:
  john:
    disabled: false
    displayname: "John Doe"
    password: "${DIGEST}"
    email: john.doe@authelia.com
    groups: [admins, dev, dev]
    given_name: John
    family_name: Doe
    locale: en-US
    zoneinfo: Europe/London
    birthdate: "1980-02-29"
    phone_number: "+1 (425) 555-1212"
    phone_extension: "1234"
    website: https://john.example.com
    address:
      street_address: 1 Main St
      locality: Springfield
      country: US
    extra: { ignored: true }
  harry:
    displayname: Harry Potter
    email: harry@example.com
    email_verified: false
    disabled: true
`);
  assert.equal(john.username, 'john');
  assert.equal(john.passwordDigest, DIGEST);
  assert.deepEqual(john.groups, ['admins', 'dev']);
  assert.equal(john.claims.name, 'John Doe');
  assert.equal(john.claims.email_verified, true, 'Authelia vouches for file addresses');
  assert.equal(john.claims.phone_number, '+1 (425) 555-1212;ext=1234');
  assert.deepEqual(john.claims.address, {
    street_address: '1 Main St',
    locality: 'Springfield',
    country: 'US',
  });
  assert.equal('extra' in john.claims, false);
  assert.equal(harry.passwordDigest, undefined);
  assert.equal(harry.claims.email_verified, false);
  assert.equal(harry.disabled, true);
});

for (const [name, text, pattern] of [
  ['not YAML', 'users: [', /not valid YAML/],
  ['no users mapping', 'users: [a, b]', /users: mapping/],
  [
    'a password in clear',
    'users:\n  a:\n    password: hunter2',
    /users\.a: password must be a digest/,
  ],
  ['a bad email', 'users:\n  a:\n    email: not-an-email', /users\.a: email must be an email/],
  ['a bad birthdate', 'users:\n  a:\n    birthdate: 29/02/1980', /birthdate must be YYYY-MM-DD/],
  ['a bad zone', 'users:\n  a:\n    zoneinfo: Mars/Olympus', /zoneinfo must be an IANA time zone/],
  [
    'a javascript website',
    'users:\n  a:\n    website: "javascript:alert(1)"',
    /website must be a URL/,
  ],
  ['a bad user name', 'users:\n  "a b":\n    email: a@b.c', /user name must be/],
  ['groups as a string', 'users:\n  a:\n    groups: admins', /groups must be an array/],
  [
    'a bad address',
    'users:\n  a:\n    address: { country: 7 }',
    /address\.country must be a string/,
  ],
] as const) {
  test(`refuses ${name}, naming the entry`, () => {
    assert.throws(
      () => readStaticUsers(text),
      (e: unknown) => {
        assert.ok(e instanceof StaticUsersError);
        assert.match(e.message, pattern);
        assert.doesNotMatch(e.message, /hunter2/);
        return true;
      },
    );
  });
}
