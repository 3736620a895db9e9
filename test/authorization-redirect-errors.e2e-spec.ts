import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { AuthorizationService } from '../src/authorization/authorization.service.js';
import type { AuthorizationRequest } from '../src/authorization/authorization-request.js';
import { TemporarilyUnavailable } from '../src/common/errors/oauth-error.js';
import { UsersService } from '../src/users/users.service.js';
import { Browser, type Visit } from './support/browser.js';
import { registerClient } from './support/clients.js';
import {
  createStorage,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

const CB = 'https://rp.example.com/cb';
const PASSWORD = 'redirected, not caught';

/**
 * An `OAuthRedirectError` thrown anywhere behind the real browser routes (`/authorize` and the
 * interaction steps), by code that does not catch it, reaches the client's redirect URI in
 * every response mode (issue 13): the routes never catch one by hand.
 */
describe(`redirect errors from the real browser routes on ${target}`, { timeout: 60_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  let clientId: string;
  let username: string;

  before(async () => {
    storage = await createStorage();
    provider = await startProvider(storage.env);
    ({ clientId } = await registerClient(provider.app, {
      redirect_uris: [CB],
      scope: 'openid',
      consent_mode: 'implicit',
    }));
    username = `rhea-${randomBytes(3).toString('hex')}`;
    await provider.app
      .get(UsersService)
      .create({ username, password: PASSWORD, claims: {}, origin: 'admin' });
  });
  after(async () => {
    await provider?.close();
    await storage?.dispose();
  });

  const authorizeUrl = (mode: string, state: string) => {
    const query = new URLSearchParams({
      client_id: clientId,
      redirect_uri: CB,
      response_type: 'code',
      scope: 'openid',
      response_mode: mode,
      state,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
    return `${provider.url}/authorize?${query.toString()}`;
  };

  /** The decision throws the error the way a new step would: no route catches it. */
  const failingDecisions = (t: TestContext) => {
    const authorization = provider.app.get(AuthorizationService);
    return t.mock.method(authorization, 'decide', (request: AuthorizationRequest) =>
      Promise.reject(
        authorization.redirectError(request, new TemporarilyUnavailable('Try again shortly')),
      ),
    );
  };

  /** The error parameters the client received, from whichever response mode carried them. */
  function delivered(answer: Visit, mode: string): URLSearchParams {
    if (mode === 'form_post') {
      assert.equal(answer.status, 200);
      const [form] = Browser.forms(answer.html);
      assert.equal(form?.action, CB, answer.html.slice(0, 300));
      return new URLSearchParams(form.fields);
    }
    assert.equal(answer.status, 303);
    assert.ok(answer.url.startsWith(CB), answer.url);
    const url = new URL(answer.url);
    return mode === 'fragment' ? new URLSearchParams(url.hash.slice(1)) : url.searchParams;
  }

  for (const mode of ['query', 'fragment', 'form_post']) {
    test(`/authorize: to the redirect URI (${mode})`, async (t) => {
      failingDecisions(t);
      const answer = await new Browser(provider.url).get(authorizeUrl(mode, `state-of-${mode}`));
      const params = delivered(answer, mode);
      assert.equal(params.get('error'), 'temporarily_unavailable');
      assert.equal(params.get('state'), `state-of-${mode}`);
      assert.equal(params.get('iss'), provider.config.issuer);
    });

    test(`the login step: to the redirect URI (${mode}), and the sign-in is over`, async (t) => {
      const browser = new Browser(provider.url);
      const page = await browser.get(authorizeUrl(mode, `login-state-${mode}`));
      assert.match(page.html, /name="password"/);
      failingDecisions(t);
      const answer = await browser.submit(page, '/login', { username, password: PASSWORD });
      const params = delivered(answer, mode);
      assert.equal(params.get('error'), 'temporarily_unavailable');
      assert.equal(params.get('state'), `login-state-${mode}`);
      const again = await browser.get(page.url);
      assert.equal(again.status, 400, 'the interaction ended with the answer');
    });
  }
});
