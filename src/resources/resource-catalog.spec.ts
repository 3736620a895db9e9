import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, type ClientOrigin } from '../clients/client.entity.js';
import { validateClientMetadata } from '../clients/client-metadata.validator.js';
import { InvalidTarget, OAuthError } from '../common/errors/oauth-error.js';
import {
  ResourceCatalog,
  ResourceDefinitionError,
  readResourceDefinition,
  resourceView,
  type ResourceDefinition,
} from './resource-catalog.js';

const CONTEXT = {
  signingAlgs: ['RS256', 'ES256'] as const,
  reserved: ['https://id.example.com', 'https://id.example.com/admin'],
};
const API = 'https://api.example.com';
const FILES = 'https://files.example.com';
const OTHER = 'https://other.example.com';

function read(input: unknown): ResourceDefinition {
  return readResourceDefinition(input, CONTEXT);
}

function client(
  metadata: Record<string, unknown> = {},
  id = 'web-app',
  origin: ClientOrigin = 'admin',
): Client {
  return Object.assign(new Client(), {
    clientId: id,
    origin,
    metadata: validateClientMetadata(
      {
        redirect_uris: ['https://app.example.com/cb'],
        grant_types: ['authorization_code'],
        scope: 'openid profile',
        ...metadata,
      },
      'admin',
    ),
  });
}

/** The invalid_target a call is refused with. */
function invalidTarget(call: () => unknown): OAuthError {
  try {
    call();
  } catch (e) {
    assert.ok(e instanceof InvalidTarget, `expected invalid_target, got ${String(e)}`);
    assert.equal(e.error, 'invalid_target');
    return e;
  }
  assert.fail('the call was accepted');
}

test('readResourceDefinition refuses each bad field, naming it', () => {
  const cases: [unknown, RegExp][] = [
    [null, /must be a mapping/],
    ['https://api.example.com', /must be a mapping/],
    [[{ identifier: API }], /must be a mapping/],
    [{ identifier: API, audience: [] }, /audience is not a resource field/],
    [{}, /identifier/],
    [{ identifier: 42 }, /identifier/],
    [{ identifier: '/api' }, /identifier must be an absolute URI/],
    [{ identifier: 'api.example.com' }, /identifier must be an absolute URI/],
    [{ identifier: `${API}/#part` }, /identifier must be an absolute URI without a fragment/],
    [{ identifier: `${API}/a b` }, /identifier/],
    [{ identifier: `${API}/\tx` }, /identifier/],
    [{ identifier: `${API}/${'a'.repeat(300)}` }, /identifier .*at most 300/],
    [{ identifier: 'https://id.example.com' }, /identifier https:\/\/id\.example\.com belongs/],
    [{ identifier: 'https://id.example.com/admin' }, /identifier .* belongs to the provider/],
    [{ identifier: API, scopes: 'read write' }, /scopes must be a list/],
    [{ identifier: API, scopes: { read: true } }, /scopes must be a list/],
    [{ identifier: API, scopes: ['read', 'bad scope'] }, /scopes holds an invalid scope/],
    [{ identifier: API, scopes: ['say"hi'] }, /scopes holds an invalid scope/],
    [{ identifier: API, scopes: [''] }, /scopes holds an invalid scope/],
    [{ identifier: API, scopes: [7] }, /scopes holds an invalid scope/],
    [{ identifier: API, scopes: ['openid'] }, /scope openid is the provider's/],
    [{ identifier: API, scopes: ['offline_access'] }, /scope offline_access is the provider's/],
    [{ identifier: API, scopes: ['admin'] }, /scope admin is the provider's/],
    [
      { identifier: API, scopes: Array.from({ length: 101 }, (_, i) => `s${i}`) },
      /scopes must be a list of at most 100/,
    ],
    [{ identifier: API, clients: 'all' }, /clients must be any or a list/],
    [{ identifier: API, clients: 3 }, /clients must be any or a list/],
    [
      { identifier: API, clients: Array.from({ length: 1001 }, (_, i) => `c${i}`) },
      /clients must be any or a list of at most 1000/,
    ],
    [{ identifier: API, clients: ['web app'] }, /clients must hold client ids/],
    [{ identifier: API, clients: [''] }, /clients must hold client ids/],
    [{ identifier: API, clients: [5] }, /clients must hold client ids/],
    [{ identifier: API, access_token_lifespan: '30s' }, /access_token_lifespan/],
    [{ identifier: API, access_token_lifespan: 59 }, /access_token_lifespan/],
    [{ identifier: API, access_token_lifespan: '25h' }, /access_token_lifespan/],
    [{ identifier: API, access_token_lifespan: 86_401 }, /access_token_lifespan/],
    [{ identifier: API, access_token_lifespan: 'soon' }, /access_token_lifespan must be/],
    [{ identifier: API, access_token_lifespan: '15 minutes' }, /access_token_lifespan/],
    [{ identifier: API, access_token_lifespan: 90.5 }, /access_token_lifespan/],
    [{ identifier: API, access_token_lifespan: true }, /access_token_lifespan/],
    [
      { identifier: API, access_token_signed_response_alg: 'PS256' },
      /access_token_signed_response_alg must be one of SIGNING_ALGS \(RS256, ES256\)/,
    ],
    [{ identifier: API, access_token_signed_response_alg: 'none' }, /signed_response_alg/],
    [{ identifier: API, access_token_signed_response_alg: 256 }, /signed_response_alg/],
  ];
  for (const [input, message] of cases) {
    assert.throws(
      () => read(input),
      (e: unknown) => e instanceof ResourceDefinitionError && message.test(e.message),
      `${JSON.stringify(input)?.slice(0, 80)} → ${message}`,
    );
  }
});

test('an identifier of exactly 300 characters is accepted', () => {
  const identifier = `${API}/${'a'.repeat(300 - API.length - 1)}`;
  assert.equal(identifier.length, 300);
  assert.equal(read({ identifier }).identifier, identifier);
});

test('a minimal definition: no scopes, no clients, no overrides', () => {
  assert.deepEqual(read({ identifier: API }), { identifier: API, scopes: [], clients: [] });
});

test('a full definition is normalised: scopes and clients deduplicated, lifespan in ms', () => {
  const definition = read({
    identifier: API,
    scopes: ['read', 'write', 'read'],
    clients: ['web-app', 'cli', 'web-app'],
    access_token_lifespan: '15m',
    access_token_signed_response_alg: 'ES256',
  });
  assert.deepEqual(definition, {
    identifier: API,
    scopes: ['read', 'write'],
    clients: ['web-app', 'cli'],
    accessTokenLifespanMs: 900_000,
    accessTokenSigningAlg: 'ES256',
  });
});

test('lifespans: seconds as a number or a string, combined durations, the 1m and 24h bounds', () => {
  const lifespan = (value: unknown) =>
    read({ identifier: API, access_token_lifespan: value }).accessTokenLifespanMs;
  assert.equal(lifespan(300), 300_000);
  assert.equal(lifespan('300'), 300_000);
  assert.equal(lifespan('1h30m'), 5_400_000);
  assert.equal(lifespan(60), 60_000);
  assert.equal(lifespan('1m'), 60_000);
  assert.equal(lifespan('24h'), 86_400_000);
  assert.equal(lifespan(86_400), 86_400_000);
});

test('clients: any admits every client', () => {
  assert.equal(read({ identifier: API, clients: 'any' }).clients, 'any');
});

test('resourceView round-trips through readResourceDefinition', () => {
  const definitions = [
    read({ identifier: API }),
    read({ identifier: FILES, scopes: ['files:read'], clients: 'any' }),
    read({
      identifier: OTHER,
      scopes: ['a', 'b'],
      clients: ['x', 'y'],
      access_token_lifespan: '2h',
      access_token_signed_response_alg: 'RS256',
    }),
  ];
  for (const definition of definitions) {
    const view = resourceView(definition);
    assert.deepEqual(read(view), definition);
  }
  assert.deepEqual(resourceView(definitions[2]), {
    identifier: OTHER,
    scopes: ['a', 'b'],
    clients: ['x', 'y'],
    access_token_lifespan: 7200,
    access_token_signed_response_alg: 'RS256',
  });
  assert.deepEqual(resourceView(definitions[0]), { identifier: API, scopes: [], clients: [] });
});

const catalog = new ResourceCatalog([
  read({ identifier: API, scopes: ['read', 'write', 'shared'], clients: ['web-app'] }),
  read({ identifier: FILES, scopes: ['files', 'shared'], clients: 'any' }),
]);

test('find and size', () => {
  assert.equal(catalog.size, 2);
  assert.equal(catalog.find(API)?.identifier, API);
  assert.equal(catalog.find(OTHER), undefined);
  assert.equal(new ResourceCatalog().size, 0);
});

test('mayAsk: clients any, a listed client, an unlisted one', () => {
  assert.equal(catalog.mayAsk(client({}, 'someone'), FILES), true);
  assert.equal(catalog.mayAsk(client({}, 'web-app'), API), true);
  assert.equal(catalog.mayAsk(client({}, 'someone'), API), false);
  assert.equal(catalog.mayAsk(client({}, 'someone', 'registration'), FILES), true);
});

test("mayAsk: an undeclared target only through the client's registered audience", () => {
  assert.equal(catalog.mayAsk(client({ audience: [OTHER] }, 'someone'), OTHER), true);
  assert.equal(catalog.mayAsk(client({}, 'someone'), OTHER), false);
  assert.equal(
    catalog.mayAsk(client({ audience: [OTHER] }, 'someone', 'registration'), OTHER),
    true,
  );
});

test('mayAsk: a declared resource that does not admit the client, named in its own audience', () => {
  assert.equal(
    catalog.mayAsk(client({ audience: [API] }, 'someone', 'registration'), API),
    false,
    "a registrant's own audience does not open a declared resource",
  );
  assert.equal(
    catalog.mayAsk(client({ audience: [API] }, 'someone', 'admin'), API),
    true,
    "the operator's audience for the client does",
  );
});

test('checkTargets: invalid_target for a target the client may not ask for, unless also allows it', () => {
  const c = client({}, 'someone');
  catalog.checkTargets(c, []);
  catalog.checkTargets(c, [FILES]);
  const e = invalidTarget(() => catalog.checkTargets(c, [FILES, API]));
  assert.match(e.description ?? '', /may not request a token for https:\/\/api\.example\.com/);
  catalog.checkTargets(c, [FILES, API], (t) => t === API);
  invalidTarget(() => catalog.checkTargets(c, [API, OTHER], (t) => t === API));
  const long = `${OTHER}/${'x'.repeat(100)}`;
  assert.ok(
    (invalidTarget(() => catalog.checkTargets(c, [long])).description ?? '').length < 100,
    'a long target is clipped',
  );
});

test('checkTargets: resources needing different algorithms are refused together', () => {
  const algs = new ResourceCatalog([
    read({ identifier: API, clients: 'any', access_token_signed_response_alg: 'RS256' }),
    read({ identifier: FILES, clients: 'any', access_token_signed_response_alg: 'ES256' }),
  ]);
  const c = client();
  algs.checkTargets(c, [API]);
  algs.checkTargets(c, [FILES]);
  invalidTarget(() => algs.checkTargets(c, [API, FILES]));
});

test('narrow: a target outside the grant is refused; none asked gives the grant', () => {
  const c = client({}, 'web-app');
  assert.deepEqual(catalog.narrow(c, [API, FILES], [API]), [API]);
  assert.deepEqual(catalog.narrow(c, [API, FILES], []), [API, FILES]);
  const e = invalidTarget(() => catalog.narrow(c, [FILES], [API]));
  assert.match(e.description ?? '', /not requested in the authorization request/);
});

test("narrow: a grant for no target is bounded by the client's registered audience", () => {
  const c = client({ audience: [OTHER] }, 'someone');
  assert.deepEqual(catalog.narrow(c, [], [OTHER]), [OTHER]);
  assert.deepEqual(catalog.narrow(c, [], []), []);
  invalidTarget(() => catalog.narrow(c, [], [FILES]));
  invalidTarget(() => catalog.narrow(client({}, 'someone'), [], [OTHER]));
});

test('narrow: a granted target the client may no longer ask for is refused', () => {
  invalidTarget(() => catalog.narrow(client({}, 'someone'), [API], [API]));
  invalidTarget(() => catalog.narrow(client({}, 'someone'), [API], []));
});

test("audienceOf: the targets, or the client's registered audience", () => {
  const c = client({ audience: [OTHER] });
  assert.deepEqual(catalog.audienceOf(c, [API]), [API]);
  assert.deepEqual(catalog.audienceOf(c, []), [OTHER]);
  assert.deepEqual(catalog.audienceOf(client(), []), []);
});

test("scopesFor: a resource's scope only with its resource; undeclared scopes always", () => {
  const scope = ['openid', 'profile', 'read', 'files', 'shared'];
  assert.deepEqual(catalog.scopesFor(scope, []), ['openid', 'profile']);
  assert.deepEqual(catalog.scopesFor(scope, [OTHER]), ['openid', 'profile']);
  assert.deepEqual(catalog.scopesFor(scope, [API]), ['openid', 'profile', 'read', 'shared']);
  assert.deepEqual(catalog.scopesFor(scope, [FILES]), ['openid', 'profile', 'files', 'shared']);
  assert.deepEqual(catalog.scopesFor(scope, [API, FILES]), scope);
  assert.deepEqual(new ResourceCatalog().scopesFor(scope, []), scope);
});

test('tokenSettings: the shortest lifespan, one algorithm, undeclared targets ignored', () => {
  const settings = new ResourceCatalog([
    read({
      identifier: API,
      access_token_lifespan: '30m',
      access_token_signed_response_alg: 'ES256',
    }),
    read({ identifier: FILES, access_token_lifespan: '10m' }),
    read({ identifier: OTHER, access_token_signed_response_alg: 'ES256' }),
    read({ identifier: 'https://rs.example.com', access_token_signed_response_alg: 'RS256' }),
  ]);
  assert.deepEqual(settings.tokenSettings([]), {});
  assert.deepEqual(settings.tokenSettings(['https://undeclared.example.com']), {});
  assert.deepEqual(settings.tokenSettings([API]), { lifespanMs: 1_800_000, alg: 'ES256' });
  assert.deepEqual(settings.tokenSettings([API, FILES, 'https://undeclared.example.com']), {
    lifespanMs: 600_000,
    alg: 'ES256',
  });
  assert.deepEqual(settings.tokenSettings([FILES, API]), { lifespanMs: 600_000, alg: 'ES256' });
  assert.deepEqual(settings.tokenSettings([API, OTHER]), { lifespanMs: 1_800_000, alg: 'ES256' });
  assert.deepEqual(settings.tokenSettings([FILES]), { lifespanMs: 600_000 });
  invalidTarget(() => settings.tokenSettings([API, 'https://rs.example.com']));
  invalidTarget(() => settings.tokenSettings(['https://rs.example.com', FILES, OTHER]));
});
