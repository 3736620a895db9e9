import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  importJWK,
  jwtVerify,
  type JWK,
  type JWTPayload,
} from 'jose';
import type { User } from '../src/users/user.entity.js';
import { UsersService } from '../src/users/users.service.js';
import { Browser, type Visit } from './support/browser.js';
import { postForm, registerClient } from './support/clients.js';
import {
  createStorage,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

const PASSWORD = 'correct horse battery staple';

type Discovery = Record<string, unknown> & {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
};

/** The redirect URI a provider sent the browser to, with its parameters. */
function callback(landed: Visit, redirectUri: string): URLSearchParams {
  assert.ok(
    landed.url.startsWith(`${redirectUri}?`),
    `expected ${redirectUri}, got ${landed.url} (${landed.status}) ${landed.html.slice(0, 300)}`,
  );
  return new URL(landed.url).searchParams;
}

/**
 * The request shapes of the two relying parties our requirements name, replayed byte for byte
 * over raw HTTP (neither is a Node library): OpenIDConnect.jl (Julia) and the IdentityPython
 * RP (idpyoidc / JWTConnect-Python-OidcRP). The form driver signs in on the real pages; each
 * ID token is checked as that client would check it.
 */
describe(`relying parties' request shapes on ${target}`, { timeout: 180_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  let user: User;

  before(async () => {
    storage = await createStorage();
    provider = await startProvider({ ...storage.env, REGISTRATION_MODE: 'open' });
    user = await provider.app.get(UsersService).create({
      username: `jo-${randomBytes(3).toString('hex')}`,
      password: PASSWORD,
      claims: { name: 'Jo Example', email: 'jo@example.com', email_verified: true },
      origin: 'admin',
    });
  });
  after(async () => {
    await provider?.close();
    await storage?.dispose();
  });

  /** Signs in on the login page, and agrees on the consent page if one follows. */
  async function signIn(browser: Browser, page: Visit, redirectUri: string): Promise<Visit> {
    assert.match(page.html, /name="password"/, `the login page: ${page.url} (${page.status})`);
    const afterLogin = await browser.submit(page, '/login', {
      username: user.username,
      password: PASSWORD,
    });
    return afterLogin.url.startsWith(redirectUri)
      ? afterLogin
      : browser.submit(afterLogin, '/consent', { decision: 'allow' });
  }

  describe('OpenIDConnect.jl', () => {
    const CB = 'http://127.0.0.1:8888/auth/login';

    /**
     * OIDCCtx(issuer, ...): appends "/" to the issuer unless it ends with one, then fetches
     * ".well-known/openid-configuration" with status_exception=true.
     */
    async function discover(): Promise<Discovery> {
      let issuer = provider.config.issuer;
      if (!issuer.endsWith('/')) issuer += '/';
      const res = await fetch(`${issuer}.well-known/openid-configuration`);
      assert.equal(res.status, 200);
      return (await res.json()) as Discovery;
    }

    /**
     * flow_request_authorization_code: response_type, client_id, redirect_uri, scope ("openid
     * profile email" by default) and a 10-character state (randstring(10)), then each
     * optional argument that was given, all in the query.
     */
    function authorizationUrl(
      doc: Discovery,
      clientId: string,
      optional: Record<string, string>,
    ): { url: string; state: string } {
      const state = randomBytes(16).toString('hex').slice(0, 10);
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: clientId,
        redirect_uri: CB,
        scope: 'openid profile email',
        state,
        ...optional,
      });
      const url = new URL(doc.authorization_endpoint);
      url.search = query.toString();
      return { url: url.href, state };
    }

    /**
     * flow_get_token: grant_type, code, redirect_uri, client_id and client_secret in a form body
     * (client_secret_post; HTTP.URIs.escapeuri of a Dict), status_exception=false, and
     * parse_token_response, which takes anything but 200 as a failure.
     */
    async function getToken(
      doc: Discovery,
      client: { clientId: string; secret: string },
      code: string,
    ): Promise<Record<string, unknown>> {
      const data: Record<string, string> = {
        grant_type: 'authorization_code',
        code,
        redirect_uri: CB,
        client_id: client.clientId,
        client_secret: client.secret,
      };
      const body = Object.entries(data)
        .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
        .join('&');
      const res = await fetch(doc.token_endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body,
      });
      const text = await res.text();
      assert.equal(res.status, 200, `OpenIDConnect.jl needs exactly 200 from /token: ${text}`);
      return JSON.parse(text) as Record<string, unknown>;
    }

    /**
     * flow_validate_id_token with JWTs.jl: JWKSet reads key["kid"], key["kty"] and key["alg"]
     * of every JWKS key unguarded (a key without one fails the whole refresh), keeps only RSA
     * keys whose alg is RS256/384/512, then picks the key by the token header's "kid" and checks
     * an RSASSA-PKCS1-v1_5 signature, with iat and exp within 120 s of skew.
     */
    async function validateIdToken(
      doc: Discovery,
      idToken: string,
      clientId: string,
    ): Promise<JWTPayload> {
      const jwksRes = await fetch(doc.jwks_uri);
      assert.equal(jwksRes.status, 200);
      const { keys } = (await jwksRes.json()) as { keys: JWK[] };
      assert.ok(keys.length > 0);
      for (const key of keys) {
        assert.equal(typeof key.kid, 'string', `every JWKS key has a kid: ${JSON.stringify(key)}`);
        assert.ok(key.kid!.length > 0);
        assert.equal(typeof key.kty, 'string');
        assert.equal(typeof key.alg, 'string', `JWTs.jl reads alg on every key (${key.kid})`);
      }
      const header = decodeProtectedHeader(idToken);
      assert.equal(header.alg, 'RS256', 'OpenIDConnect.jl verifies RS256 only');
      assert.equal(typeof header.kid, 'string', 'the ID token names its key');
      const key = keys.find((k) => k.kid === header.kid && k.kty === 'RSA' && k.alg === 'RS256');
      assert.ok(key, `an RS256 key with kid ${String(header.kid)} is published`);
      const { payload } = await jwtVerify(idToken, await importJWK(key, 'RS256'), {
        algorithms: ['RS256'],
        issuer: provider.config.issuer,
        audience: clientId,
        clockTolerance: 120,
      });
      return payload;
    }

    test('client_secret_post, every optional authorization parameter, RS256 with kid', async () => {
      const client = await registerClient(provider.app, {
        client_name: 'Julia app',
        redirect_uris: [CB],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_post',
        scope: 'openid profile email',
      });
      const credentials = { clientId: client.clientId, secret: client.secret! };
      const doc = await discover();
      assert.ok((doc.id_token_signing_alg_values_supported as string[]).includes('RS256'));
      assert.ok(
        (doc.token_endpoint_auth_methods_supported as string[]).includes('client_secret_post'),
      );

      const browser = new Browser(provider.url);
      const nonce = randomBytes(16).toString('hex');
      const first = authorizationUrl(doc, client.clientId, {
        nonce,
        display: 'page',
        prompt: 'login',
        max_age: '300',
        ui_locales: 'en-US',
        login_hint: user.username,
        acr_values: 'one_factor',
      });
      const loginPage = await browser.get(first.url);
      assert.equal(loginPage.status, 200);
      assert.match(loginPage.html, new RegExp(`value="${user.username}"`), 'login_hint is used');
      const landed = callback(await signIn(browser, loginPage, CB), CB);
      // flow_get_authorization_code: state first, then code.
      assert.equal(landed.get('state'), first.state);
      const code = landed.get('code');
      assert.ok(code);

      const tokens = await getToken(doc, credentials, code);
      assert.equal(tokens.token_type, 'Bearer');
      assert.equal(typeof tokens.access_token, 'string');
      const claims = await validateIdToken(doc, tokens.id_token as string, client.clientId);
      assert.equal(claims.sub, user.id);
      assert.equal(claims.nonce, nonce);
      // Core §3.1.2.1: max_age makes auth_time required.
      assert.equal(typeof claims.auth_time, 'number');
      assert.ok(Math.abs(Date.now() / 1000 - (claims.auth_time as number)) < 60);
      assert.equal(claims.acr, 'one_factor');

      // parse_token_response: a failure is any other status, with a JSON error to report.
      const replay = await fetch(doc.token_endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: CB,
          client_id: credentials.clientId,
          client_secret: credentials.secret,
        }).toString(),
      });
      assert.equal(replay.status, 400);
      assert.equal(((await replay.json()) as Record<string, unknown>).error, 'invalid_grant');

      // A second round, silent: the ID token as id_token_hint, with prompt=none.
      const secondNonce = randomBytes(16).toString('hex');
      const second = authorizationUrl(doc, client.clientId, {
        nonce: secondNonce,
        display: 'page',
        prompt: 'none',
        max_age: '300',
        ui_locales: 'en-US',
        id_token_hint: tokens.id_token as string,
        login_hint: user.username,
        acr_values: 'one_factor',
      });
      const silent = callback(await browser.get(second.url), CB);
      assert.equal(silent.get('error'), null, silent.get('error_description') ?? '');
      assert.equal(silent.get('state'), second.state);
      const again = await getToken(doc, credentials, silent.get('code')!);
      const secondClaims = await validateIdToken(doc, again.id_token as string, client.clientId);
      assert.equal(secondClaims.sub, user.id);
      assert.equal(secondClaims.nonce, secondNonce);
      assert.equal(secondClaims.auth_time, claims.auth_time, 'the same sign-in');
    });
  });

  describe('IdentityPython RP', () => {
    const CB = 'https://127.0.0.1:8090/authz_cb/local';

    async function discover(): Promise<Discovery> {
      const res = await fetch(`${provider.config.issuer}/.well-known/openid-configuration`);
      assert.equal(res.status, 200);
      return (await res.json()) as Discovery;
    }

    /** The registration request of flask_rp's "local" client (application_type web, contacts, ...). */
    async function register(doc: Discovery): Promise<{ clientId: string; secret: string }> {
      const res = await fetch(doc.registration_endpoint as string, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          application_type: 'web',
          contacts: ['ops@example.com'],
          response_types: ['code'],
          grant_types: ['authorization_code'],
          redirect_uris: [CB],
          post_logout_redirect_uris: ['https://127.0.0.1:8090/session_logout/local'],
          frontchannel_logout_uri: 'https://127.0.0.1:8090/fc_logout/local',
          frontchannel_logout_session_required: true,
          backchannel_logout_uri: 'https://127.0.0.1:8090/bc_logout/local',
          backchannel_logout_session_required: true,
          token_endpoint_auth_method: 'client_secret_basic',
          id_token_signed_response_alg: 'RS256',
          subject_type: 'public',
          default_max_age: 86400,
          scope: 'openid profile email address phone',
          jwks_uri: 'https://127.0.0.1:8090/static/jwks.json',
        }),
      });
      const body = (await res.json()) as Record<string, unknown>;
      assert.equal(res.status, 201, JSON.stringify(body));
      assert.equal(body.token_endpoint_auth_method, 'client_secret_basic');
      // RFC 7591 §3.2.1: idpyoidc's RegistrationResponse needs the expiry beside a secret.
      assert.equal(body.client_secret_expires_at, 0);
      assert.deepEqual(body.redirect_uris, [CB]);
      return { clientId: body.client_id as string, secret: body.client_secret as string };
    }

    /**
     * Registers until the credentials' standard Base64 holds "+" or "/", so that the URL-safe
     * variant (JWTConnect-Python-OidcRP's urlsafe_b64encode) really differs from it.
     */
    async function registerWithTellingBase64(doc: Discovery) {
      for (let i = 0; i < 20; i++) {
        const client = await register(doc);
        const text = `${client.clientId}:${client.secret}`;
        const standard = Buffer.from(text).toString('base64');
        const urlSafe = standard.replace(/\+/g, '-').replace(/\//g, '_');
        if (standard !== urlSafe) return { ...client, standard, urlSafe };
      }
      throw new Error('No registration gave credentials whose Base64 holds + or /');
    }

    /** idpyoidc's PKCE add-on: a verifier of code_challenge_length (64) unreserved characters. */
    function pkce(): { verifier: string; challenge: string } {
      const unreserved = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';
      const verifier = [...randomBytes(64)].map((b) => unreserved[b % unreserved.length]).join('');
      return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
    }

    test('dynamic registration, Basic in URL-safe Base64, PKCE S256, nonce, claims for acr, extra /token parameters', async () => {
      const doc = await discover();
      assert.equal(doc.claims_parameter_supported, true);
      assert.ok((doc.code_challenge_methods_supported as string[]).includes('S256'));
      const client = await registerWithTellingBase64(doc);

      const browser = new Browser(provider.url);
      const round = (extra: Record<string, string> = {}) => {
        const { verifier, challenge } = pkce();
        const state = randomBytes(24).toString('base64url');
        const nonce = randomBytes(24).toString('base64url');
        const url = new URL(doc.authorization_endpoint);
        url.search = new URLSearchParams({
          response_type: 'code',
          client_id: client.clientId,
          redirect_uri: CB,
          scope: 'openid profile email address phone',
          state,
          nonce,
          code_challenge: challenge,
          code_challenge_method: 'S256',
          claims: JSON.stringify({ id_token: { acr: { essential: true } } }),
          ...extra,
        }).toString();
        return { url: url.href, verifier, state, nonce };
      };

      /** The access token request: Basic, plus state, client_id, scope and one unknown parameter. */
      const redeem = (code: string, flow: { verifier: string; state: string }, basic: string) =>
        postForm(
          doc.token_endpoint,
          {
            grant_type: 'authorization_code',
            code,
            redirect_uri: CB,
            state: flow.state,
            client_id: client.clientId,
            code_verifier: flow.verifier,
            scope: 'openid profile email address phone',
            unknown_extension: 'ignored',
          },
          { Authorization: `Basic ${basic}` },
        );

      const first = round();
      const landed = callback(await signIn(browser, await browser.get(first.url), CB), CB);
      assert.equal(landed.get('state'), first.state);
      assert.equal(landed.get('iss'), doc.issuer);
      const res = await redeem(landed.get('code')!, first, client.urlSafe);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.token_type, 'Bearer');

      const jwks = createRemoteJWKSet(new URL(doc.jwks_uri));
      const { payload } = await jwtVerify(res.body.id_token as string, jwks, {
        issuer: doc.issuer,
        audience: client.clientId,
      });
      assert.equal(payload.sub, user.id);
      assert.equal(payload.nonce, first.nonce);
      assert.equal(payload.acr, 'one_factor', 'the essential acr the claims request asked for');
      // The registered default_max_age asks for auth_time in every ID token (Core §2).
      assert.equal(typeof payload.auth_time, 'number');

      // idpyoidc today sends the standard alphabet; both must work. Silently, the second time.
      const second = round({ prompt: 'none' });
      const silent = callback(await browser.get(second.url), CB);
      const again = await redeem(silent.get('code')!, second, client.standard);
      assert.equal(again.status, 200, JSON.stringify(again.body));
      const { payload: secondPayload } = await jwtVerify(again.body.id_token as string, jwks, {
        issuer: doc.issuer,
        audience: client.clientId,
      });
      assert.equal(secondPayload.acr, 'one_factor');
      assert.equal(secondPayload.nonce, second.nonce);

      const info = await fetch(doc.userinfo_endpoint as string, {
        headers: { Authorization: `Bearer ${again.body.access_token as string}` },
      });
      assert.equal(info.status, 200);
      assert.equal(((await info.json()) as Record<string, unknown>).sub, user.id);
    });
  });
});
