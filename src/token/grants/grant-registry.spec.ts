import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Injectable, Module } from '@nestjs/common';
import { DiscoveryModule, NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { IsOptional, IsString } from 'class-validator';
import type { AuthenticatedClient } from '../../clients/auth/client-authenticator.js';
import { Client } from '../../clients/client.entity.js';
import { validateClientMetadata } from '../../clients/client-metadata.validator.js';
import { OAuthError } from '../../common/errors/oauth-error.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { ProviderMetadataService } from '../../discovery/discovery.service.js';
import { TokenMetadata } from '../token.metadata.js';
import { TokenService } from '../token.service.js';
import { Grant, type GrantHandler, type TokenRequestContext, type TokenResponse } from './grant.js';
import { GrantRegistry } from './grant-registry.js';
import { ShortLivedStore } from '../../cache/short-lived-store.js';
import { MemoryStore } from '../../cache/memory.store.js';
import { DpopProofs } from '../dpop.js';

const TEST_GRANT = 'urn:example:params:oauth:grant-type:test-only';
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** A grant type no class declares (RFC 7523). */
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const TOKEN_URL = 'https://id.example.com/token';

class TestParameters {
  @IsString({ message: 'ticket is required' })
  ticket!: string;

  @IsOptional()
  target?: string | string[];
}

/** Described by its decorator only: nothing else in the provider names it. */
@Injectable()
@Grant({ type: TEST_GRANT, parameters: TestParameters, multiValued: ['target'] })
class TestGrant implements GrantHandler<TestParameters> {
  readonly seen: TokenRequestContext<TestParameters>[] = [];

  handle(context: TokenRequestContext<TestParameters>): Promise<TokenResponse> {
    this.seen.push(context);
    return Promise.resolve({ access_token: 'test', token_type: 'Bearer', expires_in: 60 });
  }
}

/** The token module's registry and discovery, with the test grant as one more provider. */
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: APP_CONFIG,
      useValue: {
        issuer: 'https://id.example.com',
        keys: { algorithms: ['RS256'] },
        dpop: { proofWindow: 60_000, nonce: false },
      },
    },
    GrantRegistry,
    TokenService,
    DpopProofs,
    { provide: ShortLivedStore, useValue: new MemoryStore() },
    TokenMetadata,
    ProviderMetadataService,
    TestGrant,
  ],
})
class TestGrantModule {}

async function withApp(run: (app: INestApplicationContext) => void | Promise<void>): Promise<void> {
  const app = await NestFactory.createApplicationContext(TestGrantModule, { logger: false });
  try {
    await app.init();
    await run(app);
  } finally {
    await app.close();
  }
}

function authenticated(grantTypes: string[]): AuthenticatedClient {
  const metadata = validateClientMetadata({ grant_types: grantTypes }, 'admin');
  return {
    client: Object.assign(new Client(), { clientId: 'machine', metadata }),
    method: 'client_secret_basic',
  };
}

test('a grant declared by its decorator and provided is advertised by discovery', async () => {
  await withApp((app) => {
    // Only what a module provides is served: the production grants are not provided here.
    assert.deepEqual(app.get(ProviderMetadataService).metadata.grant_types_supported, [TEST_GRANT]);
  });
});

test('the client metadata validator accepts a declared grant and refuses an undeclared one', () => {
  assert.deepEqual(validateClientMetadata({ grant_types: [TEST_GRANT] }, 'admin').grant_types, [
    TEST_GRANT,
  ]);
  for (const source of ['admin', 'registration', 'seed'] as const) {
    // Token exchange is served now (RFC 8693): accepted like any declared grant.
    assert.deepEqual(
      validateClientMetadata({ grant_types: ['client_credentials', TOKEN_EXCHANGE] }, source)
        .grant_types,
      ['client_credentials', TOKEN_EXCHANGE],
    );
    assert.throws(
      () => validateClientMetadata({ grant_types: ['client_credentials', JWT_BEARER] }, source),
      (e: unknown) =>
        e instanceof OAuthError &&
        e.error === 'invalid_client_metadata' &&
        /^grant_types\[1\] must be one of /.test(e.description ?? '') &&
        e.description!.includes(TOKEN_EXCHANGE) &&
        !e.description!.includes(JWT_BEARER),
    );
  }
});

test('the handler gets the client, its validated parameters, the headers and the URL', async () => {
  await withApp(async (app) => {
    const client = authenticated([TEST_GRANT]);
    const headers = { 'content-type': 'application/x-www-form-urlencoded', 'x-trace': 'abc' };
    await app.get(TokenService).exchange({
      client,
      body: { grant_type: TEST_GRANT, ticket: 't-1', target: ['a', 'b'], scope: 'ignored' },
      headers,
      url: TOKEN_URL,
    });
    const [context] = app.get(TestGrant).seen;
    assert.equal(context.client, client);
    assert.ok(context.parameters instanceof TestParameters);
    assert.deepEqual({ ...context.parameters }, { ticket: 't-1', target: ['a', 'b'] });
    assert.equal(context.headers, headers);
    assert.equal(context.url, TOKEN_URL);
    assert.equal(context.dpop, undefined);
  });
});

test('a DPoP proof is checked before any grant runs (RFC 9449 §5): a bad one never reaches it', async () => {
  await withApp(async (app) => {
    await assert.rejects(
      app.get(TokenService).exchange({
        client: authenticated([TEST_GRANT]),
        body: { grant_type: TEST_GRANT, ticket: 't-1' },
        headers: { dpop: 'proof' },
        url: TOKEN_URL,
      }),
      (e: unknown) =>
        e instanceof OAuthError &&
        e.error === 'invalid_dpop_proof' &&
        e.status === 400 &&
        e.description === 'The DPoP proof is not a compact JWS',
    );
    assert.equal(app.get(TestGrant).seen.length, 0);
  });
});

test('the token service refuses what no grant should see', async () => {
  await withApp(async (app) => {
    const tokens = app.get(TokenService);
    const exchange = (body: Record<string, unknown>, grantTypes = [TEST_GRANT]) =>
      tokens.exchange({ client: authenticated(grantTypes), body, headers: {}, url: TOKEN_URL });
    const refused = (error: string, description: string) => (e: unknown) =>
      e instanceof OAuthError && e.error === error && e.description === description;

    await assert.rejects(
      exchange({ grant_type: TEST_GRANT }),
      refused('invalid_request', 'ticket is required'),
    );
    await assert.rejects(
      exchange({ grant_type: TEST_GRANT, ticket: ['t-1', 't-2'] }),
      refused('invalid_request', 'Parameter ticket is repeated'),
    );
    // RFC 6749 §5.2: checked once for every grant, before its handler runs.
    await assert.rejects(
      exchange({ grant_type: TEST_GRANT, ticket: 't-1' }, ['client_credentials']),
      refused('unauthorized_client', `This client may not use the ${TEST_GRANT} grant`),
    );
    // Declared (so a client may register it) yet not provided by this module: not served.
    await assert.rejects(
      exchange({ grant_type: TOKEN_EXCHANGE }),
      refused('unsupported_grant_type', `grant_type ${TOKEN_EXCHANGE} is not supported`),
    );
    assert.equal(app.get(TestGrant).seen.length, 0);
  });
});
