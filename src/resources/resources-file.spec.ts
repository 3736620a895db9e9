import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readResourceDefinition } from './resource-catalog.js';
import { readResourcesFile, ResourcesFileError } from './resources-file.js';

const CONTEXT = {
  signingAlgs: ['RS256', 'ES256'] as const,
  reserved: ['https://id.example.com', 'https://id.example.com/admin'],
};

function readFile(text: string) {
  return readResourcesFile(text, (input) => readResourceDefinition(input, CONTEXT));
}

test('a good file is read in order, each entry checked and normalised', () => {
  const text = `
resources:
  - identifier: https://api.example.com
    scopes: [read, write, read]
    clients: [web-app, cli]
    access_token_lifespan: 15m
    access_token_signed_response_alg: ES256
  - identifier: https://files.example.com/
    clients: any
  - identifier: urn:example:billing
    access_token_lifespan: 3600
`;
  assert.deepEqual(readFile(text), [
    {
      identifier: 'https://api.example.com',
      scopes: ['read', 'write'],
      clients: ['web-app', 'cli'],
      accessTokenLifespanMs: 900_000,
      accessTokenSigningAlg: 'ES256',
    },
    { identifier: 'https://files.example.com/', scopes: [], clients: 'any' },
    {
      identifier: 'urn:example:billing',
      scopes: [],
      clients: [],
      accessTokenLifespanMs: 3_600_000,
    },
  ]);
});

test('an empty resources list declares nothing', () => {
  assert.deepEqual(readFile('resources: []\n'), []);
});

test('mistakes are named with their place in the file', () => {
  const cases: [string, RegExp][] = [
    ['resources: [', /^RESOURCES_FILE is not valid YAML: /],
    ['resources:\n  - identifier: a\n   bad: indent', /RESOURCES_FILE is not valid YAML/],
    ['', /RESOURCES_FILE must have a resources: list/],
    ['other: 1', /RESOURCES_FILE must have a resources: list/],
    ['- identifier: https://api.example.com', /RESOURCES_FILE must have a resources: list/],
    ['resources: https://api.example.com', /RESOURCES_FILE must have a resources: list/],
    ['resources:\n  identifier: x', /RESOURCES_FILE must have a resources: list/],
    [
      'resources:\n  - identifier: https://a.example.com\n  - identifier: https://a.example.com',
      /^RESOURCES_FILE resources\[1\]: https:\/\/a\.example\.com appears twice$/,
    ],
    ['resources:\n  - 3', /^RESOURCES_FILE resources\[0\]: A resource must be a mapping$/],
    ['resources:\n  - null', /^RESOURCES_FILE resources\[0\]: A resource must be a mapping$/],
    [
      'resources:\n  - identifier: https://a.example.com\n  - identifier: https://b.example.com\n    scopes: [openid]',
      /^RESOURCES_FILE resources\[1\] \(https:\/\/b\.example\.com\): scope openid is the provider's/,
    ],
    [
      'resources:\n  - identifier: https://id.example.com',
      /^RESOURCES_FILE resources\[0\] \(https:\/\/id\.example\.com\): identifier .* belongs to the provider/,
    ],
    [
      'resources:\n  - identifier: not-absolute',
      /^RESOURCES_FILE resources\[0\] \(not-absolute\): identifier must be an absolute URI/,
    ],
    [
      'resources:\n  - identifier: 42',
      /^RESOURCES_FILE resources\[0\]: identifier must be an absolute URI/,
    ],
    [
      'resources:\n  - identifier: https://a.example.com\n    access_token_signed_response_alg: HS256',
      /resources\[0\] \(https:\/\/a\.example\.com\): access_token_signed_response_alg must be one of/,
    ],
    [
      'resources:\n  - identifier: https://a.example.com\n    audience: [x]',
      /resources\[0\] \(https:\/\/a\.example\.com\): audience is not a resource field/,
    ],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => readFile(text),
      (e: unknown) => e instanceof ResourcesFileError && message.test(e.message),
      `${JSON.stringify(text)} → ${message}`,
    );
  }
});

test('a long identifier is clipped in the message', () => {
  const identifier = `https://a.example.com/${'x'.repeat(400)}`;
  try {
    readFile(`resources:\n  - identifier: ${identifier}\n`);
    assert.fail('the file was accepted');
  } catch (e) {
    assert.ok(e instanceof ResourcesFileError);
    assert.match(
      e.message,
      /^RESOURCES_FILE resources\[0\] \(https:\/\/a\.example\.com\/x+\): identifier/,
    );
    assert.ok(!e.message.includes(identifier));
  }
});

test('YAML aliases are bounded', () => {
  const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 0; i < 110; i++) lines.push(`b${i}: *a`);
  lines.push('resources: []');
  assert.throws(() => readFile(lines.join('\n')), ResourcesFileError);
});
