import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readStaticClients, StaticClientsError } from './static-clients.js';

const AUTHELIA_DIGEST =
  '$pbkdf2-sha512$310000$c8p78n7pUMln0jzvd4aK4Q$JNRBzwAo0ek5qKn50cFzzvE9RXV88h1wJn5KGiHrD0YKtZaR/nCb2CJPOsKaPK0hjf.9yHxzQGZziziccp6Yng';

test("reads Authelia's client section as pasted, with its names", () => {
  const text = `
identity_providers:
  oidc:
    clients:
      - id: myapp
        description: My Application
        secret: '${AUTHELIA_DIGEST}'
        public: false
        authorization_policy: two_factor
        scopes: [openid, groups, email, profile]
        redirect_uris: [https://oidc.example.com:8080/oauth2/callback]
        userinfo_signing_algorithm: none
      - client_id: spa
        public: true
`;
  const [myapp, spa] = readStaticClients(text);
  assert.equal(myapp.clientId, 'myapp');
  assert.equal(myapp.secretDigest, AUTHELIA_DIGEST);
  assert.deepEqual(myapp.input.scopes, ['openid', 'groups', 'email', 'profile']);
  assert.equal(
    myapp.input.userinfo_signed_response_alg,
    undefined,
    "Authelia's none means unsigned",
  );
  assert.equal(myapp.input.description, 'My Application');
  assert.deepEqual(spa, { clientId: 'spa', input: { public: true } });
});

test('a top-level clients list; $plaintext$ secrets', () => {
  const [c] = readStaticClients(
    'clients:\n  - id: svc\n    secret: $plaintext$a-very-long-secret-value-for-the-service-123\n',
  );
  assert.equal(c.secret, 'a-very-long-secret-value-for-the-service-123');
  assert.equal(c.secretDigest, undefined);
});

test('mistakes are named with their place in the file', () => {
  const cases: [string, RegExp][] = [
    ['clients: [', /CLIENTS_FILE is not valid YAML/],
    ['other: 1', /CLIENTS_FILE must have a clients: list/],
    ['clients:\n  - 3', /clients\[0\] must be a mapping/],
    ['clients:\n  - description: no id', /clients\[0\] needs an id/],
    ['clients:\n  - id: a\n  - id: a', /clients\[1\]: the id a appears twice/],
    [
      'clients:\n  - id: a\n    secret: hunter2',
      /clients\[0\] \(a\): secret must be a digest .* or \$plaintext\$/,
    ],
    ['clients:\n  - id: a\n    secret: 42', /clients\[0\] \(a\): secret must be a string/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => readStaticClients(text),
      (e: unknown) => e instanceof StaticClientsError && message.test(e.message),
      text,
    );
  }
});

test('a plaintext secret never appears in an error', () => {
  try {
    readStaticClients('clients:\n  - id: a\n    secret: hunter2-the-secret\n');
    assert.fail('expected an error');
  } catch (e) {
    assert.ok(!(e as Error).message.includes('hunter2'));
  }
});
