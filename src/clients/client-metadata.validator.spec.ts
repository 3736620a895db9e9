import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { OAuthError } from '../common/errors/oauth-error.js';
import { validateClientMetadata } from './client-metadata.validator.js';
import type { ClientMetadata } from './client-metadata.js';

const WEB = { redirect_uris: ['https://app.example.com/cb'] };
const publicJwk = () =>
  generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });

test('a minimal web client gets the documented defaults', () => {
  const m = validateClientMetadata(WEB, 'admin');
  assert.deepEqual(m, {
    redirect_uris: ['https://app.example.com/cb'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: 'openid profile email groups',
    contacts: [],
    application_type: 'web',
    id_token_signed_response_alg: 'RS256',
    subject_type: 'public',
    require_auth_time: false,
    post_logout_redirect_uris: [],
    backchannel_logout_session_required: false,
    frontchannel_logout_session_required: false,
    audience: [],
    authorization_policy: 'one_factor',
    enforce_pkce: false,
    cors_allowed_origins: [],
    introspection_audiences: [],
    introspect_any_token: false,
    token_exchange_subject_token_types: ['urn:ietf:params:oauth:token-type:access_token'],
    token_exchange_impersonation: false,
    lifespans: {},
    public: false,
  } satisfies ClientMetadata);
});

test('a machine client needs no redirect URI and has no response types', () => {
  const m = validateClientMetadata(
    { grant_types: ['client_credentials'], scope: 'a b a' },
    'admin',
  );
  assert.deepEqual(m.response_types, []);
  assert.deepEqual(m.redirect_uris, []);
  assert.equal(m.scope, 'a b', 'repeated scopes collapse');
});

test('a public client authenticates with none; a registrant says so through the method', () => {
  assert.equal(
    validateClientMetadata({ ...WEB, public: true }, 'seed').token_endpoint_auth_method,
    'none',
  );
  const registered = validateClientMetadata(
    { ...WEB, token_endpoint_auth_method: 'none' },
    'registration',
  );
  assert.equal(registered.public, true);
  assert.equal(
    validateClientMetadata({ ...WEB, public: true }, 'registration').public,
    false,
    'a registrant cannot declare itself public without the method',
  );
});

test('signing algorithms for assertions default per method', () => {
  const hmac = validateClientMetadata(
    { ...WEB, token_endpoint_auth_method: 'client_secret_jwt' },
    'admin',
  );
  assert.equal(hmac.token_endpoint_auth_signing_alg, 'HS256');
  const pk = validateClientMetadata(
    { ...WEB, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [publicJwk()] } },
    'admin',
  );
  assert.equal(pk.token_endpoint_auth_signing_alg, 'RS256');
});

test("Authelia's option names: scopes, require_pkce, consent auto, durations", () => {
  const m = validateClientMetadata(
    {
      ...WEB,
      scopes: ['openid', 'groups'],
      require_pkce: true,
      pkce_challenge_method: 'S256',
      consent_mode: 'auto',
      pre_configured_consent_duration: '1w',
      lifespans: { access_token: '30m', refresh_token: 3600, refresh_token_family: '60d' },
      authorization_policy: 'two_factor',
      audience: ['https://api.example.com'],
      cors_allowed_origins: ['https://app.example.com'],
    },
    'seed',
  );
  assert.equal(m.scope, 'openid groups');
  assert.equal(m.enforce_pkce, true);
  assert.equal(m.consent_mode, 'pre-configured');
  assert.equal(m.pre_configured_consent_duration, 7 * 86_400_000);
  assert.deepEqual(m.lifespans, {
    access_token: 1_800_000,
    refresh_token: 3_600_000,
    refresh_token_family: 60 * 86_400_000,
  });
  assert.equal(m.authorization_policy, 'two_factor');
  assert.equal(
    validateClientMetadata({ ...WEB, consent_mode: 'auto' }, 'seed').consent_mode,
    'explicit',
  );
  assert.equal(
    validateClientMetadata({ ...WEB, pkce_challenge_method: 'S256' }, 'seed').enforce_pkce,
    true,
  );
});

test('a registrant cannot set operator settings, and an update keeps them', () => {
  const hostile = {
    ...WEB,
    audience: ['https://payments.internal'],
    authorization_policy: 'one_factor',
    consent_mode: 'implicit',
    lifespans: { access_token: '366d' },
    cors_allowed_origins: ['https://evil.example'],
    introspection_audiences: ['https://payments.internal'],
    introspect_any_token: true,
  };
  const fresh = validateClientMetadata(hostile, 'registration');
  assert.deepEqual(fresh.introspection_audiences, [], 'RFC 7662 §4: only the operator grants it');
  assert.equal(fresh.introspect_any_token, false);
  assert.deepEqual(fresh.audience, []);
  assert.equal(fresh.consent_mode, undefined);
  assert.deepEqual(fresh.lifespans, {});
  assert.deepEqual(fresh.cors_allowed_origins, []);
  assert.equal(fresh.scope, 'openid profile email address phone groups');

  const previous = validateClientMetadata(
    { ...WEB, authorization_policy: 'two_factor', consent_mode: 'explicit', audience: ['x'] },
    'admin',
  );
  const updated = validateClientMetadata(hostile, 'registration', { previous });
  assert.equal(updated.authorization_policy, 'two_factor');
  assert.equal(updated.consent_mode, 'explicit');
  assert.deepEqual(updated.audience, ['x']);
  assert.equal(updated.introspect_any_token, false);
});

test('introspection rights are operator settings with closed defaults', () => {
  const machine = { grant_types: ['client_credentials'], scope: '' };
  const plain = validateClientMetadata(machine, 'admin');
  assert.deepEqual(plain.introspection_audiences, []);
  assert.equal(plain.introspect_any_token, false);
  const gateway = validateClientMetadata(
    {
      ...machine,
      introspection_audiences: ['https://invoices.example'],
      introspect_any_token: true,
    },
    'seed',
  );
  assert.deepEqual(gateway.introspection_audiences, ['https://invoices.example']);
  assert.equal(gateway.introspect_any_token, true);
  for (const bad of [
    { introspection_audiences: 'https://invoices.example' },
    { introspection_audiences: ['has space'] },
    { introspect_any_token: 'yes' },
  ]) {
    assert.throws(
      () => validateClientMetadata({ ...machine, ...bad }, 'admin'),
      (e: OAuthError) => e.error === 'invalid_client_metadata',
      JSON.stringify(bad),
    );
  }
});

test('the token exchange policy is the operator’s, with closed defaults (RFC 8693)', () => {
  const exchange = 'urn:ietf:params:oauth:grant-type:token-exchange';
  const idToken = 'urn:ietf:params:oauth:token-type:id_token';
  const accessToken = 'urn:ietf:params:oauth:token-type:access_token';
  const machine = { grant_types: ['client_credentials', exchange], scope: '' };
  const plain = validateClientMetadata(machine, 'admin');
  assert.deepEqual(plain.grant_types, ['client_credentials', exchange]);
  assert.deepEqual(plain.token_exchange_subject_token_types, [accessToken]);
  assert.equal(plain.token_exchange_impersonation, false);
  const open = {
    ...machine,
    token_exchange_subject_token_types: [accessToken, idToken],
    token_exchange_impersonation: true,
  };
  const seeded = validateClientMetadata(open, 'seed');
  assert.deepEqual(seeded.token_exchange_subject_token_types, [accessToken, idToken]);
  assert.equal(seeded.token_exchange_impersonation, true);
  // A registrant may ask for the grant, never for a wider policy.
  const registered = validateClientMetadata(open, 'registration');
  assert.deepEqual(registered.token_exchange_subject_token_types, [accessToken]);
  assert.equal(registered.token_exchange_impersonation, false);
  for (const bad of [
    { token_exchange_subject_token_types: accessToken },
    { token_exchange_subject_token_types: ['urn:ietf:params:oauth:token-type:refresh_token'] },
    { token_exchange_subject_token_types: [42] },
    { token_exchange_impersonation: 'yes' },
  ]) {
    assert.throws(
      () => validateClientMetadata({ ...machine, ...bad }, 'admin'),
      (e: OAuthError) => e.error === 'invalid_client_metadata',
      JSON.stringify(bad),
    );
  }
});

test('the admin scope is granted by an operator, never by registration', () => {
  const machine = { grant_types: ['client_credentials'], scope: 'reports:read admin' };
  assert.equal(validateClientMetadata(machine, 'admin').scope, 'reports:read admin');
  assert.equal(validateClientMetadata(machine, 'seed').scope, 'reports:read admin');
  assert.throws(
    () => validateClientMetadata(machine, 'registration'),
    (e: OAuthError) =>
      e.error === 'invalid_client_metadata' && /scope admin cannot be registered/.test(e.message),
  );
  assert.throws(() =>
    validateClientMetadata({ ...machine, scope: undefined, scopes: ['admin'] }, 'registration'),
  );
});

test('redirect URIs that are accepted', () => {
  for (const [uri, applicationType] of [
    ['https://app.example.com/cb?x=1', 'web'],
    ['http://127.0.0.1:8080/cb', 'web'],
    ['http://[::1]/cb', 'native'],
    ['http://localhost:3000/cb', 'web'],
    ['com.example.app:/oauth2redirect', 'native'],
    ['https://app.example.com/cb', 'native'],
  ]) {
    const m = validateClientMetadata(
      { redirect_uris: [uri], application_type: applicationType },
      'registration',
    );
    assert.deepEqual(m.redirect_uris, [uri], uri);
  }
});

test('ID token and UserInfo algorithms must be ones the provider has keys for', () => {
  assert.throws(
    () =>
      validateClientMetadata({ ...WEB, id_token_signed_response_alg: 'ES256' }, 'registration', {
        signingAlgs: ['RS256'],
      }),
    /id_token_signed_response_alg must be one of RS256/,
  );
  assert.equal(
    validateClientMetadata(WEB, 'admin', { signingAlgs: ['ES256'] }).id_token_signed_response_alg,
    'ES256',
  );
});

const big = 'x'.repeat(5_000);
const proto: unknown = JSON.parse(
  '{"__proto__": {"public": true}, "redirect_uris": ["https://a.example/cb"]}',
);

/** [name, input, error, description pattern] */
const invalid: [string, unknown, string, RegExp][] = [
  ['null', null, 'invalid_client_metadata', /JSON object/],
  ['an array', [WEB], 'invalid_client_metadata', /JSON object/],
  ['a string', 'redirect_uris', 'invalid_client_metadata', /JSON object/],
  ['no redirect URI for the code grant', {}, 'invalid_redirect_uri', /redirect_uris is required/],
  [
    'redirect_uris not an array',
    { redirect_uris: 'https://a.example/cb' },
    'invalid_redirect_uri',
    /redirect_uris must be an array/,
  ],
  [
    'a relative redirect URI',
    { redirect_uris: ['/cb'] },
    'invalid_redirect_uri',
    /redirect_uris\[0\] must be an absolute URI/,
  ],
  ['a fragment', { redirect_uris: ['https://a.example/cb#x'] }, 'invalid_redirect_uri', /fragment/],
  [
    'plain http',
    { redirect_uris: ['http://a.example/cb'] },
    'invalid_redirect_uri',
    /must use https/,
  ],
  [
    'javascript:',
    { redirect_uris: ['javascript:alert(1)'], application_type: 'native' },
    'invalid_redirect_uri',
    /javascript scheme/,
  ],
  [
    'data:',
    { redirect_uris: ['data:text/html,x'], application_type: 'native' },
    'invalid_redirect_uri',
    /data scheme/,
  ],
  [
    'a custom scheme on the web',
    { redirect_uris: ['com.example.app:/cb'] },
    'invalid_redirect_uri',
    /application_type native/,
  ],
  [
    'a custom scheme without a dot',
    { redirect_uris: ['myapp:/cb'], application_type: 'native' },
    'invalid_redirect_uri',
    /reverse domain/,
  ],
  [
    'credentials in the URI',
    { redirect_uris: ['https://u:p@a.example/cb'] },
    'invalid_redirect_uri',
    /credentials/,
  ],
  [
    'a huge URI',
    { redirect_uris: [`https://a.example/${big}`] },
    'invalid_redirect_uri',
    /at most 2000/,
  ],
  [
    'too many URIs',
    { redirect_uris: Array.from({ length: 51 }, (_, i) => `https://a.example/${i}`) },
    'invalid_redirect_uri',
    /at most 50/,
  ],
  ['a number as URI', { redirect_uris: [42] }, 'invalid_redirect_uri', /redirect_uris\[0\]/],
  [
    'an unknown grant type',
    { ...WEB, grant_types: ['password'] },
    'invalid_client_metadata',
    /grant_types\[0\] must be one of/,
  ],
  [
    'the implicit flow',
    { ...WEB, response_types: ['id_token token'] },
    'invalid_client_metadata',
    /only code/,
  ],
  [
    'an empty grant list',
    { ...WEB, grant_types: [] },
    'invalid_client_metadata',
    /grant_types must not be empty/,
  ],
  [
    'an unknown auth method',
    { ...WEB, token_endpoint_auth_method: 'tls_client_auth' },
    'invalid_client_metadata',
    /token_endpoint_auth_method must be one of/,
  ],
  [
    'a public client with a secret method',
    { ...WEB, public: true, token_endpoint_auth_method: 'client_secret_basic' },
    'invalid_client_metadata',
    /must be none for a public client/,
  ],
  [
    'none without public',
    { ...WEB, public: false, token_endpoint_auth_method: 'none' },
    'invalid_client_metadata',
    /needs public/,
  ],
  [
    'a public client_credentials client',
    { grant_types: ['client_credentials'], token_endpoint_auth_method: 'none' },
    'invalid_client_metadata',
    /confidential/,
  ],
  [
    'private_key_jwt without keys',
    { ...WEB, token_endpoint_auth_method: 'private_key_jwt' },
    'invalid_client_metadata',
    /needs jwks or jwks_uri/,
  ],
  [
    'HS256 for private_key_jwt',
    {
      ...WEB,
      token_endpoint_auth_method: 'private_key_jwt',
      jwks_uri: 'https://a.example/jwks',
      token_endpoint_auth_signing_alg: 'HS256',
    },
    'invalid_client_metadata',
    /token_endpoint_auth_signing_alg must be one of RS256/,
  ],
  [
    'alg none for client_secret_jwt',
    {
      ...WEB,
      token_endpoint_auth_method: 'client_secret_jwt',
      token_endpoint_auth_signing_alg: 'none',
    },
    'invalid_client_metadata',
    /token_endpoint_auth_signing_alg must be one of HS256/,
  ],
  [
    'jwks and jwks_uri',
    { ...WEB, jwks: { keys: [publicJwk()] }, jwks_uri: 'https://a.example/jwks' },
    'invalid_client_metadata',
    /must not both be given/,
  ],
  [
    'a private key in jwks',
    { ...WEB, jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b', d: 'c' }] } },
    'invalid_client_metadata',
    /must be a public key/,
  ],
  [
    'a symmetric key in jwks',
    { ...WEB, jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } },
    'invalid_client_metadata',
    /must be a public key/,
  ],
  [
    'a broken key in jwks',
    { ...WEB, jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' }] } },
    'invalid_client_metadata',
    /not a valid public key/,
  ],
  ['jwks without keys', { ...WEB, jwks: [] }, 'invalid_client_metadata', /JWK Set/],
  [
    'an http jwks_uri',
    { ...WEB, jwks_uri: 'http://a.example/jwks' },
    'invalid_client_metadata',
    /jwks_uri must use https/,
  ],
  [
    'a bad scope token',
    { ...WEB, scope: 'openid "quoted"' },
    'invalid_client_metadata',
    /scope holds an invalid scope/,
  ],
  ['scope as a number', { ...WEB, scope: 7 }, 'invalid_client_metadata', /scope must be a string/],
  [
    'an unknown application_type',
    { ...WEB, application_type: 'desktop' },
    'invalid_client_metadata',
    /application_type must be one of web, native/,
  ],
  [
    'an unknown subject_type',
    { ...WEB, subject_type: 'random' },
    'invalid_client_metadata',
    /subject_type/,
  ],
  [
    'pairwise over two native-app schemes',
    {
      redirect_uris: ['com.example.mail:/cb', 'org.example.chat:/cb'],
      application_type: 'native',
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'none',
      subject_type: 'pairwise',
    },
    'invalid_client_metadata',
    /sector_identifier_uri is required/,
  ],
  [
    'pairwise over two hosts',
    { redirect_uris: ['https://a.example/cb', 'https://b.example/cb'], subject_type: 'pairwise' },
    'invalid_client_metadata',
    /sector_identifier_uri is required/,
  ],
  [
    'a javascript logo',
    { ...WEB, logo_uri: 'javascript:alert(1)' },
    'invalid_client_metadata',
    /logo_uri must be an http\(s\) URL/,
  ],
  [
    'a negative max age',
    { ...WEB, default_max_age: -1 },
    'invalid_client_metadata',
    /default_max_age/,
  ],
  [
    'a fractional max age',
    { ...WEB, default_max_age: 1.5 },
    'invalid_client_metadata',
    /default_max_age/,
  ],
  [
    'a string boolean',
    { ...WEB, require_auth_time: 'true' },
    'invalid_client_metadata',
    /require_auth_time must be true or false/,
  ],
  [
    'contacts as a string',
    { ...WEB, contacts: 'ops@example.com' },
    'invalid_client_metadata',
    /contacts must be an array/,
  ],
  [
    'a huge client name',
    { ...WEB, client_name: big },
    'invalid_client_metadata',
    /client_name must be at most 200/,
  ],
  [
    'a bad post-logout URI',
    { ...WEB, post_logout_redirect_uris: ['http://a.example/'] },
    'invalid_client_metadata',
    /post_logout_redirect_uris\[0\] must use https/,
  ],
  [
    'a back-channel logout URI with a fragment',
    { ...WEB, backchannel_logout_uri: 'https://rp.example/logout#now' },
    'invalid_client_metadata',
    /backchannel_logout_uri must not contain a fragment/,
  ],
  [
    'a back-channel logout URI over plain http',
    { ...WEB, backchannel_logout_uri: 'http://rp.example/logout' },
    'invalid_client_metadata',
    /backchannel_logout_uri must use https/,
  ],
  [
    'a front-channel logout URI that is script',
    { ...WEB, frontchannel_logout_uri: 'javascript:alert(1)' },
    'invalid_client_metadata',
    /frontchannel_logout_uri must be an http\(s\) URL/,
  ],
  [
    'a string for backchannel_logout_session_required',
    { ...WEB, backchannel_logout_session_required: 'yes' },
    'invalid_client_metadata',
    /backchannel_logout_session_required must be true or false/,
  ],
  [
    'an unknown consent mode',
    { ...WEB, consent_mode: 'never' },
    'invalid_client_metadata',
    /consent_mode must be one of/,
  ],
  [
    'a bad duration',
    { ...WEB, pre_configured_consent_duration: 'forever' },
    'invalid_client_metadata',
    /pre_configured_consent_duration must be a duration/,
  ],
  [
    'an unknown lifespan',
    { ...WEB, lifespans: { session: '1h' } },
    'invalid_client_metadata',
    /lifespans\."session" is unknown/,
  ],
  [
    'a zero lifespan',
    { ...WEB, lifespans: { access_token: 0 } },
    'invalid_client_metadata',
    /lifespans\.access_token must be longer than 0/,
  ],
  [
    'lifespans as a list',
    { ...WEB, lifespans: ['1h'] },
    'invalid_client_metadata',
    /lifespans must be a mapping/,
  ],
  [
    'an origin with a path',
    { ...WEB, cors_allowed_origins: ['https://a.example/app'] },
    'invalid_client_metadata',
    /cors_allowed_origins\[0\] must be an origin/,
  ],
  [
    'an audience with spaces',
    { ...WEB, audience: ['a b'] },
    'invalid_client_metadata',
    /audience\[0\] is not valid/,
  ],
  [
    'an unknown PKCE method',
    { ...WEB, pkce_challenge_method: 'S512' },
    'invalid_client_metadata',
    /pkce_challenge_method/,
  ],
];

for (const [name, input, error, description] of invalid) {
  test(`refuses ${name}`, () => {
    assert.throws(
      () => validateClientMetadata(input, 'admin'),
      (e: unknown) => {
        assert.ok(e instanceof OAuthError, `an OAuthError, not ${String(e)}`);
        assert.equal(e.error, error);
        assert.match(e.description ?? '', description);
        assert.ok((e.description ?? '').length < 300, 'descriptions stay short');
        return true;
      },
    );
  });
}

test('an own __proto__ member neither pollutes nor sets anything', () => {
  const m = validateClientMetadata(proto, 'admin');
  assert.equal(m.public, false);
  assert.equal(({} as { public?: boolean }).public, undefined);
});

test('unknown members are ignored and null is taken as absent', () => {
  const m = validateClientMetadata(
    { ...WEB, software_statement_x: 'x', 'client_name#ja': 'ア', logo_uri: null },
    'registration',
  );
  assert.equal(m.logo_uri, undefined);
  assert.equal('software_statement_x' in m, false);
});

test('an RSA key under 2048 bits is refused', () => {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  assert.throws(
    () =>
      validateClientMetadata(
        { ...WEB, jwks: { keys: [publicKey.export({ format: 'jwk' })] } },
        'admin',
      ),
    /at least 2048 bits/,
  );
});

test('valid metadata the chosen method or grants do not use is kept, not refused (RFC 7591 §2)', () => {
  // idpyoidc always sends a signing alg, whatever the method.
  const basic = validateClientMetadata(
    {
      ...WEB,
      token_endpoint_auth_method: 'client_secret_basic',
      token_endpoint_auth_signing_alg: 'RS256',
    },
    'registration',
  );
  assert.equal(basic.token_endpoint_auth_method, 'client_secret_basic');
  assert.equal(basic.token_endpoint_auth_signing_alg, 'RS256');
  const post = validateClientMetadata(
    {
      ...WEB,
      token_endpoint_auth_method: 'client_secret_post',
      token_endpoint_auth_signing_alg: 'HS256',
      jwks: { keys: [publicJwk()] },
    },
    'registration',
  );
  assert.equal(post.token_endpoint_auth_signing_alg, 'HS256');
  assert.equal(post.jwks?.keys.length, 1);
  const machine = validateClientMetadata(
    { grant_types: ['client_credentials', 'refresh_token'], response_types: ['code'] },
    'admin',
  );
  assert.deepEqual(machine.grant_types, ['client_credentials', 'refresh_token']);
  assert.deepEqual(machine.response_types, ['code']);
  const pub = validateClientMetadata(
    {
      ...WEB,
      token_endpoint_auth_method: 'none',
      token_endpoint_auth_signing_alg: 'ES256',
      require_auth_time: true,
    },
    'registration',
  );
  assert.equal(pub.token_endpoint_auth_signing_alg, 'ES256');
  assert.throws(
    () =>
      validateClientMetadata({ ...WEB, token_endpoint_auth_signing_alg: 'none' }, 'registration'),
    /token_endpoint_auth_signing_alg must be one of/,
  );
});

test('id_token_scope_claims: unset follows the server, or a boolean of the client', () => {
  assert.equal(validateClientMetadata(WEB, 'registration').id_token_scope_claims, undefined);
  assert.equal(
    validateClientMetadata({ ...WEB, id_token_scope_claims: false }, 'registration')
      .id_token_scope_claims,
    false,
  );
  assert.throws(
    () => validateClientMetadata({ ...WEB, id_token_scope_claims: 'no' }, 'admin'),
    /id_token_scope_claims must be true or false/,
  );
});
