import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '../clients/client.entity.js';
import { ResourceCatalog } from '../resources/resource-catalog.js';
import { validateClientMetadata } from '../clients/client-metadata.validator.js';
import { OAuthError, OAuthRedirectError } from '../common/errors/oauth-error.js';
import {
  authorizationParameters,
  parseAuthorizationRequest,
  resolveRedirect,
  restoredRequest,
  storedRequest,
  type AuthorizationPolicy,
  type RawParameters,
  type StoredAuthorizationRequest,
} from './authorization-request.js';
import { parseClaimsRequest } from './claims-request.js';

const CB = 'https://app.example.com/cb';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const POLICY: AuthorizationPolicy = {
  issuer: 'https://id.example.com',
  enforcePkce: 'public_clients_only',
  allowPlainPkce: false,
  minimumParameterEntropy: 8,
  resources: new ResourceCatalog(),
};

function client(metadata: Record<string, unknown> = {}, id = 'web-app'): Client {
  return Object.assign(new Client(), {
    clientId: id,
    metadata: validateClientMetadata(
      {
        redirect_uris: [CB],
        grant_types: ['authorization_code'],
        scope: 'openid profile email',
        ...metadata,
      },
      'admin',
    ),
  });
}

const base = {
  client_id: 'web-app',
  response_type: 'code',
  scope: 'openid',
  state: 'state-123456',
};

function parse(params: RawParameters, c = client(), policy = POLICY) {
  const { redirectUri } = resolveRedirect(params, (id) => (id === c.clientId ? c : undefined));
  return parseAuthorizationRequest(params, c, redirectUri, policy);
}

/** The error a request is answered with at the redirect URI. */
function redirected(params: RawParameters, c = client(), policy = POLICY): OAuthRedirectError {
  try {
    parse(params, c, policy);
  } catch (e) {
    assert.ok(e instanceof OAuthRedirectError, `expected a redirect, got ${String(e)}`);
    return e;
  }
  assert.fail('the request was accepted');
}

/** The error shown on the provider's page, never redirected. */
function shown(params: RawParameters, c = client()): OAuthError {
  try {
    parse(params, c);
  } catch (e) {
    assert.ok(e instanceof OAuthError, `expected a page error, got ${String(e)}`);
    return e;
  }
  assert.fail('the request was accepted');
}

test('a minimal request: the single registered redirect URI, query mode, no PKCE for a confidential client', () => {
  const request = parse(base);
  assert.equal(request.redirectUri, CB);
  assert.equal(request.responseMode, 'query');
  assert.deepEqual(request.scope, ['openid']);
  assert.equal(request.openid, true);
  assert.equal(request.state, 'state-123456');
  assert.equal(request.codeChallenge, undefined);
  assert.equal(request.display, 'page');
  assert.deepEqual([...request.prompt], []);
});

test('every optional parameter is read', () => {
  const request = parse({
    ...base,
    redirect_uri: CB,
    scope: 'openid profile openid email',
    response_mode: 'form_post',
    nonce: 'nonce-abcdefgh',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    prompt: 'login consent',
    max_age: '0',
    login_hint: 'alice',
    ui_locales: 'fr-CA  en',
    claims_locales: 'fr',
    acr_values: 'two_factor one_factor',
    display: 'popup',
    claims: JSON.stringify({ id_token: { acr: { essential: true }, auth_time: null } }),
    id_token_hint: 'a.b.c',
    unknown_parameter: 'ignored',
  });
  assert.deepEqual(request.scope, ['openid', 'profile', 'email']);
  assert.equal(request.responseMode, 'form_post');
  assert.equal(request.nonce, 'nonce-abcdefgh');
  assert.equal(request.codeChallengeMethod, 'S256');
  assert.deepEqual([...request.prompt].sort(), ['consent', 'login']);
  assert.equal(request.maxAge, 0);
  assert.equal(request.loginHint, 'alice');
  assert.deepEqual(request.uiLocales, ['fr-CA', 'en']);
  assert.deepEqual(request.acrValues, ['two_factor', 'one_factor']);
  assert.equal(request.display, 'popup');
  assert.deepEqual(request.claims.id_token?.acr, { essential: true });
  assert.deepEqual(request.claims.id_token?.auth_time, {});
  assert.equal(request.idTokenHint, 'a.b.c');
});

test("the client's default_max_age applies when the request has none", () => {
  assert.equal(parse(base, client({ default_max_age: 3600 })).maxAge, 3600);
  assert.equal(parse({ ...base, max_age: '60' }, client({ default_max_age: 3600 })).maxAge, 60);
});

test('client and redirect URI errors are shown on the page, never redirected', () => {
  const two = client({ redirect_uris: [CB, 'https://app.example.com/other'] });
  const cases: [RawParameters, RegExp, Client?][] = [
    [{ ...base, client_id: undefined }, /client_id is required/],
    [{ ...base, client_id: 'nobody' }, /not known/],
    [{ ...base, client_id: ['web-app', 'web-app'] }, /repeated/],
    [{ ...base, redirect_uri: `${CB}/extra` }, /not registered/],
    [{ ...base, redirect_uri: `${CB}?added=1` }, /not registered/],
    [{ ...base, redirect_uri: 'https://APP.example.com/cb' }, /not registered/],
    [{ ...base, redirect_uri: 'https://app.example.com/c' }, /not registered/],
    [{ ...base, redirect_uri: [CB, CB] }, /repeated/],
    [base, /several/, two],
  ];
  for (const [params, pattern, c] of cases) {
    const e = shown(params, c);
    assert.ok(!(e instanceof OAuthRedirectError));
    assert.match(e.message, pattern, JSON.stringify(params));
  }
  assert.equal(
    parse({ ...base, redirect_uri: 'https://app.example.com/other' }, two).redirectUri,
    'https://app.example.com/other',
  );
});

test('later errors go to the redirect URI with state, in the requested mode', () => {
  const longState = 's'.repeat(128);
  const cases: [RawParameters, string, RegExp][] = [
    [{ ...base, response_type: undefined }, 'invalid_request', /response_type is required/],
    [{ ...base, response_type: 'token' }, 'unsupported_response_type', /use code/],
    [{ ...base, response_type: 'code id_token' }, 'unsupported_response_type', /use code/],
    [{ ...base, scope: 'openid admin' }, 'invalid_scope', /scope admin/],
    [{ ...base, nonce: 'short' }, 'invalid_request', /nonce must be at least 8/],
    [{ ...base, prompt: 'none login' }, 'invalid_request', /cannot be combined/],
    [{ ...base, prompt: 'create' }, 'invalid_request', /not supported/],
    [{ ...base, max_age: '-1' }, 'invalid_request', /max_age/],
    [{ ...base, max_age: 'soon' }, 'invalid_request', /max_age/],
    [{ ...base, display: 'tv' }, 'invalid_request', /display/],
    [{ ...base, response_mode: 'jwt' }, 'invalid_request', /response_mode/],
    [{ ...base, request: 'eyJ...' }, 'request_not_supported', /request parameter/],
    [{ ...base, request_uri: 'urn:x' }, 'request_uri_not_supported', /request_uri/],
    [{ ...base, claims: '{' }, 'invalid_request', /not valid JSON/],
    [{ ...base, scope: ['openid', 'openid'] }, 'invalid_request', /repeated/],
    [{ ...base, resource: 'https://api.example.com' }, 'invalid_target', /may not request/],
    [{ ...base, state: longState, response_type: 'token' }, 'unsupported_response_type', /code/],
  ];
  for (const [params, error, pattern] of cases) {
    const e = redirected(params);
    assert.equal(e.oauthError.error, error, JSON.stringify(params));
    assert.match(e.oauthError.message, pattern);
    assert.equal(e.redirect.redirectUri, CB);
    assert.equal(e.redirect.state, params.state);
    assert.equal(e.redirect.issuer, POLICY.issuer);
  }
  const inFragment = redirected({ ...base, response_mode: 'fragment', response_type: 'token' });
  assert.equal(inFragment.redirect.responseMode, 'fragment');
  const badMode = redirected({ ...base, response_mode: 'jwt' });
  assert.equal(badMode.redirect.responseMode, 'query', 'an invalid mode falls back to query');
});

test('a short state is refused, but still sent back so the client can match the error', () => {
  const e = redirected({ ...base, state: 'abc' });
  assert.match(e.oauthError.message, /state must be at least 8/);
  assert.equal(e.redirect.state, 'abc');
  assert.equal(
    parse({ ...base, state: 'abc' }, client(), { ...POLICY, minimumParameterEntropy: 0 }).state,
    'abc',
  );
});

test('a client without the code flow is unauthorized_client', () => {
  const machine = client({ grant_types: ['client_credentials'], redirect_uris: [CB] });
  assert.equal(redirected(base, machine).oauthError.error, 'unauthorized_client');
});

test('PKCE: S256 always, plain only when enabled, required for public clients or when enforced', () => {
  const publicClient = client({ public: true, token_endpoint_auth_method: 'none' });
  assert.match(redirected(base, publicClient).oauthError.message, /must use PKCE/);
  assert.equal(
    parse({ ...base, code_challenge: CHALLENGE, code_challenge_method: 'S256' }, publicClient)
      .codeChallenge,
    CHALLENGE,
  );
  assert.match(
    redirected({ ...base, code_challenge: CHALLENGE, code_challenge_method: 'plain' }).oauthError
      .message,
    /plain is not allowed/,
  );
  assert.match(
    redirected({ ...base, code_challenge: CHALLENGE }).oauthError.message,
    /plain is not allowed/,
    'no method means plain (RFC 7636 §4.3)',
  );
  assert.equal(
    parse({ ...base, code_challenge: CHALLENGE }, client(), { ...POLICY, allowPlainPkce: true })
      .codeChallengeMethod,
    'plain',
  );
  assert.equal(
    parse({ ...base, code_challenge: CHALLENGE }, client({ pkce_challenge_method: 'plain' }))
      .codeChallengeMethod,
    'plain',
  );
  assert.match(
    redirected({ ...base, code_challenge: CHALLENGE }, client({ pkce_challenge_method: 'S256' }), {
      ...POLICY,
      allowPlainPkce: true,
    }).oauthError.message,
    /plain is not allowed/,
    'a client pinned to S256 refuses plain even when it is enabled globally',
  );
  assert.match(
    redirected(base, client({ pkce_challenge_method: 'S256' })).oauthError.message,
    /must use PKCE/,
    'a pinned method also enforces PKCE (Authelia)',
  );
  for (const [params, pattern] of [
    [{ ...base, code_challenge: 'short', code_challenge_method: 'S256' }, /43 to 128/],
    [{ ...base, code_challenge: `${CHALLENGE}!`, code_challenge_method: 'S256' }, /43 to 128/],
    [{ ...base, code_challenge: CHALLENGE, code_challenge_method: 'S512' }, /must be S256/],
    [{ ...base, code_challenge_method: 'S256' }, /without code_challenge/],
  ] as const) {
    assert.match(redirected(params).oauthError.message, pattern);
  }
  assert.match(
    redirected(base, client(), { ...POLICY, enforcePkce: 'always' }).oauthError.message,
    /must use PKCE/,
  );
  assert.match(
    redirected(base, client({ enforce_pkce: true })).oauthError.message,
    /must use PKCE/,
  );
  assert.equal(
    parse(base, publicClient, { ...POLICY, enforcePkce: 'never' }).codeChallenge,
    undefined,
  );
});

test('resources must be among the audiences of the client', () => {
  const api = client({ audience: ['https://api.example.com', 'https://b.example.com'] });
  assert.deepEqual(
    parse({ ...base, resource: ['https://api.example.com', 'https://b.example.com'] }, api)
      .resources,
    ['https://api.example.com', 'https://b.example.com'],
  );
  assert.equal(
    redirected({ ...base, resource: 'https://api.example.com#x' }, api).oauthError.error,
    'invalid_target',
  );
});

test('claims requests: Core §5.5 shapes accepted, anything else invalid_request', () => {
  const parsed = parseClaimsRequest('{"userinfo":{"email":null},"other":1}');
  assert.deepEqual(Object.keys(parsed), ['userinfo']);
  assert.deepEqual({ ...parsed.userinfo }, { email: {} });
  assert.deepEqual(
    parseClaimsRequest('{"id_token":{"acr":{"essential":true,"values":["a","b"]}}}').id_token?.acr,
    { essential: true, values: ['a', 'b'] },
  );
  for (const bad of [
    '[]',
    '"x"',
    '{"userinfo":[]}',
    '{"userinfo":{"email":1}}',
    '{"id_token":{"acr":{"essential":"yes"}}}',
    '{"id_token":{"acr":{"values":"a"}}}',
    `{"userinfo":{"${'x'.repeat(200)}":null}}`,
    'x'.repeat(9000),
  ]) {
    assert.throws(
      () => parseClaimsRequest(bad),
      (e: OAuthError) => e.error === 'invalid_request',
      bad.slice(0, 40),
    );
  }
  const proto = parseClaimsRequest('{"userinfo":{"__proto__":null}}');
  assert.equal(Object.getPrototypeOf(proto.userinfo), null, 'no prototype to pollute');
});

// What an interaction keeps between its steps: the checked request, not its raw parameters.

const FULL: RawParameters = {
  ...base,
  redirect_uri: CB,
  scope: 'openid profile offline_access',
  nonce: 'nonce-123456',
  code_challenge: CHALLENGE,
  code_challenge_method: 'S256',
  response_mode: 'form_post',
  prompt: 'login consent',
  max_age: '600',
  login_hint: 'alice',
  ui_locales: 'fr en',
  acr_values: 'urn:example:mfa',
  display: 'popup',
  claims: '{"id_token":{"email":{"essential":true}}}',
  resource: ['https://api.example.com', 'https://files.example.com'],
};
const FULL_CLIENT = () =>
  client({
    grant_types: ['authorization_code', 'refresh_token'],
    audience: ['https://api.example.com', 'https://files.example.com'],
  });

/** Through JSON, as the shared store keeps it. */
const kept = (stored: StoredAuthorizationRequest) =>
  JSON.parse(JSON.stringify(stored)) as StoredAuthorizationRequest;

test('a stored request comes back the same, with the client as it is now', () => {
  const c = FULL_CLIENT();
  const request = parse(FULL, c);
  assert.equal(request.redirectUriSent, true);
  assert.deepEqual(restoredRequest(kept(storedRequest(request)), c, POLICY), request);
  const minimal = parse(base);
  assert.equal(minimal.redirectUriSent, false);
  assert.deepEqual(restoredRequest(kept(storedRequest(minimal)), client(), POLICY), minimal);
});

test('the parameters of a stored request ask for the same request again', () => {
  const c = FULL_CLIENT();
  for (const params of [FULL, base]) {
    const request = parse(params, c);
    const again = Object.fromEntries(
      [...authorizationParameters(storedRequest(request)).keys()].map((name) => {
        const values = authorizationParameters(storedRequest(request)).getAll(name);
        return [name, values.length > 1 ? values : values[0]];
      }),
    ) as RawParameters;
    assert.deepEqual(parse(again, c), request);
  }
});

test('a stored request that its client no longer allows is refused', () => {
  const stored = kept(storedRequest(parse(FULL, FULL_CLIENT())));
  const changes: Record<string, unknown>[] = [
    { redirect_uris: ['https://app.example.com/other'] },
    { scope: 'openid email' },
    { grant_types: ['client_credentials'], redirect_uris: [] },
    { audience: ['https://api.example.com'] },
  ];
  for (const change of changes) {
    const changed = client({
      grant_types: ['authorization_code', 'refresh_token'],
      audience: ['https://api.example.com', 'https://files.example.com'],
      ...change,
    });
    assert.throws(
      () => restoredRequest(stored, changed, POLICY),
      OAuthError,
      JSON.stringify(change),
    );
  }
  // PKCE became required: a request without a challenge no longer passes.
  const plain = kept(storedRequest(parse(base)));
  assert.throws(() => restoredRequest(plain, client({ enforce_pkce: true }), POLICY), OAuthError);
  // The refresh_token grant went away: offline_access is dropped, as a new request would.
  const restored = restoredRequest(
    stored,
    client({ audience: FULL_CLIENT().metadata.audience }),
    POLICY,
  );
  assert.deepEqual(restored.scope, ['openid', 'profile']);
  // Another client by the same id is not the same client.
  assert.throws(() => restoredRequest(stored, client({}, 'other-app'), POLICY), OAuthError);
});
