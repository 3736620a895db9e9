import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '../clients/client.entity.js';
import { ResourceCatalog } from '../resources/resource-catalog.js';
import { validateClientMetadata } from '../clients/client-metadata.validator.js';
import { OAuthRedirectError } from '../common/errors/oauth-error.js';
import {
  authorizationParameters,
  parseAuthorizationRequest,
  restoredRequest,
  storedRequest,
  type AuthorizationPolicy,
  type RawParameters,
} from './authorization-request.js';

/** RFC 9449 §10 `dpop_jkt`, kept apart from the other parameters' spec. */
const CB = 'https://app.example.com/cb';
const JKT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
const POLICY: AuthorizationPolicy = {
  issuer: 'https://id.example.com',
  enforcePkce: 'public_clients_only',
  allowPlainPkce: false,
  minimumParameterEntropy: 8,
  resources: new ResourceCatalog(),
};
const web = Object.assign(new Client(), {
  clientId: 'web-app',
  metadata: validateClientMetadata(
    { redirect_uris: [CB], grant_types: ['authorization_code'], scope: 'openid' },
    'admin',
  ),
});
const parse = (extra: RawParameters) =>
  parseAuthorizationRequest(
    {
      client_id: 'web-app',
      response_type: 'code',
      scope: 'openid',
      state: 'state-123456',
      ...extra,
    },
    web,
    CB,
    POLICY,
  );

test('dpop_jkt is kept through the interaction and asked for again with the request', () => {
  const request = parse({ dpop_jkt: JKT });
  assert.equal(request.dpopJkt, JKT);
  const stored = storedRequest(request);
  assert.equal(restoredRequest(stored, web, POLICY).dpopJkt, JKT);
  assert.equal(authorizationParameters(stored).get('dpop_jkt'), JKT);
  assert.equal(parse({}).dpopJkt, undefined);
  assert.equal(authorizationParameters(storedRequest(parse({}))).has('dpop_jkt'), false);
});

test('a dpop_jkt that is not a thumbprint, or repeated, is invalid_request at the redirect URI', () => {
  // RFC 6749 §3.1: an empty one is as if omitted.
  assert.equal(parse({ dpop_jkt: '' }).dpopJkt, undefined);
  for (const bad of ['short', `${JKT}=`, `${JKT.slice(0, 42)}+`, [JKT, JKT]]) {
    assert.throws(
      () => parse({ dpop_jkt: bad }),
      (e: unknown) => e instanceof OAuthRedirectError && e.oauthError.error === 'invalid_request',
      JSON.stringify(bad),
    );
  }
});
