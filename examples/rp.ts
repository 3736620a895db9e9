/**
 * An example relying party: a small web application that signs people in with this provider
 * through the authorization code flow, with PKCE (S256), state and nonce, using openid-client
 * (a certified relying-party library). It shows the ID token's claims and the UserInfo
 * answer, and signs out everywhere with RP-Initiated Logout; the provider tells it of sign-outs
 * elsewhere through Front-Channel and Back-Channel Logout. The browser test runs it against a
 * real provider in Chromium.
 *
 *   npm run example:rp          # then open http://localhost:3000
 *
 * Settings (environment): ISSUER (default http://localhost:8080, the provider's own default
 * issuer), CLIENT_ID and CLIENT_SECRET (default the demo client that the provider seeds on the
 * embedded default), PORT (3000), BASE_URL (http://localhost:PORT; the redirect URI is
 * BASE_URL/callback and must be registered for the client, as must BASE_URL/ as a
 * post_logout_redirect_uri, BASE_URL/frontchannel-logout as its frontchannel_logout_uri with
 * frontchannel_logout_session_required, and BASE_URL/backchannel-logout as its
 * backchannel_logout_uri).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';

export interface RpOptions {
  /** The provider's issuer identifier, exactly as its discovery document states it. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Where this application is reached (scheme, host, port); the redirect URI is `/callback` there. */
  baseUrl: string;
  /** Default `openid profile email`. */
  scope?: string;
  /** Called with the `sid` of each Front-Channel Logout notice the provider sends. */
  onFrontChannelLogout?: (sid: string) => void;
  /** Called with the `sid` of each Back-Channel Logout token that verified. */
  onBackChannelLogout?: (sid: string) => void;
}

/** The demo client of the provider's embedded default (src/demo/demo-seed.ts). */
export const DEMO_DEFAULTS = {
  issuer: 'http://localhost:8080',
  clientId: 'demo-rp',
  clientSecret: 'demo-rp-secret-for-local-development-only',
  port: 3000,
} as const;

const COOKIE = 'rp_session';
/** How long a sign-in may take between /login and /callback. */
const PENDING_MS = 10 * 60_000;
/** How long this application remembers a signed-in person. */
const SESSION_MS = 60 * 60_000;
const MAX_SESSIONS = 10_000;

interface Session {
  expires: number;
  /** Between /login and /callback: what the callback must match. */
  pending?: { state: string; nonce: string; verifier: string; expires: number };
  signedIn?: {
    claims: Record<string, unknown>;
    userinfo: Record<string, unknown>;
    /** For RP-Initiated Logout's `id_token_hint`. */
    idToken: string;
  };
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const MAX_FORM_BYTES = 16 * 1024;

function isLoopback(url: URL): boolean {
  return LOOPBACK.has(url.hostname) || /^127(\.\d{1,3}){3}$/.test(url.hostname);
}

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 48rem; margin: 2rem auto; padding: 0 1rem; }
pre { background: #f4f4f4; padding: 1rem; overflow-x: auto; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>
`;
}

function json(value: unknown): string {
  return `<pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre>`;
}

/**
 * The application as a `node:http` server, not yet listening. Sessions live in this process
 * (a Map keyed by a random, HttpOnly cookie): enough for an example, not for several instances.
 */
export function createRpServer(options: RpOptions): Server {
  const issuer = new URL(options.issuer);
  const base = new URL(options.baseUrl);
  if (issuer.protocol !== 'https:' && !(issuer.protocol === 'http:' && isLoopback(issuer))) {
    throw new Error(`ISSUER must use https (http only on a loopback host): ${options.issuer}`);
  }
  const redirectUri = new URL('/callback', base).href;
  const scope = options.scope ?? 'openid profile email';
  const secureCookie = base.protocol === 'https:';
  const sessions = new Map<string, Session>();
  /** The `state` of each sign-out sent to the provider, until it comes back. */
  const signingOut = new Map<string, number>();
  /** Logout token `jti`s already accepted, until their `exp` (a token is used once). */
  const seenLogoutTokens = new Map<string, number>();
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;

  // Discovery once, when first needed (the provider may start after this application); a
  // failure is retried at the next request.
  let configuration: Promise<oidc.Configuration> | undefined;
  const config = () =>
    (configuration ??= oidc
      .discovery(
        issuer,
        options.clientId,
        undefined,
        oidc.ClientSecretBasic(options.clientSecret),
        issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((e: unknown) => {
        configuration = undefined;
        throw e;
      }));

  function sessionOf(req: IncomingMessage): [string, Session] | undefined {
    const id = /(?:^|;\s*)rp_session=([A-Za-z0-9_-]{43})(?:;|$)/.exec(
      req.headers.cookie ?? '',
    )?.[1];
    const session = id === undefined ? undefined : sessions.get(id);
    if (!id || !session) return undefined;
    if (session.expires <= Date.now()) {
      sessions.delete(id);
      return undefined;
    }
    return [id, session];
  }

  function newSession(res: ServerResponse): Session {
    const now = Date.now();
    if (sessions.size >= MAX_SESSIONS) {
      for (const [id, s] of sessions) if (s.expires <= now) sessions.delete(id);
      if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value!);
    }
    const id = randomBytes(32).toString('base64url');
    const session: Session = { expires: now + SESSION_MS };
    sessions.set(id, session);
    res.setHeader(
      'set-cookie',
      `${COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${SESSION_MS / 1000}${secureCookie ? '; Secure' : ''}`,
    );
    return session;
  }

  function send(res: ServerResponse, status: number, html: string): void {
    res.writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'content-security-policy':
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
    });
    res.end(html);
  }

  function redirect(res: ServerResponse, location: string): void {
    res.writeHead(303, { location, 'cache-control': 'no-store' });
    res.end();
  }

  function home(res: ServerResponse, session: Session | undefined, url: URL): void {
    const signedIn = session?.signedIn;
    if (!signedIn) {
      // Back from the provider's end_session endpoint with the state this application sent.
      const state = url.searchParams.get('state');
      const back = state !== null && signingOut.delete(state);
      send(
        res,
        200,
        page(
          back ? 'Signed out' : 'Example relying party',
          `${back ? '<p id="signed-out">You are signed out, here and at the provider.</p>\n' : ''}<p>This application signs you in with the OpenID Provider at <code>${escapeHtml(options.issuer)}</code>.</p>
<p><a href="/login">Sign in</a></p>`,
        ),
      );
      return;
    }
    const who = String(signedIn.userinfo.email ?? signedIn.claims.sub);
    send(
      res,
      200,
      page(
        'Signed in',
        `<p>Signed in as <strong id="who">${escapeHtml(who)}</strong>. <a href="/logout">Sign out</a> (everywhere) or <a href="/logout/local">sign out here only</a></p>
<h2>ID token claims</h2>
<div id="id-token-claims">${json(signedIn.claims)}</div>
<h2>UserInfo</h2>
<div id="userinfo">${json(signedIn.userinfo)}</div>`,
      ),
    );
  }

  async function login(res: ServerResponse): Promise<void> {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(await config(), {
      redirect_uri: redirectUri,
      scope,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    // A fresh session for every sign-in: nothing from before carries over (no fixation).
    newSession(res).pending = { state, nonce, verifier, expires: Date.now() + PENDING_MS };
    redirect(res, url.href);
  }

  async function callback(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const found = sessionOf(req);
    const pending = found?.[1].pending;
    if (!found || !pending || pending.expires <= Date.now()) {
      send(
        res,
        400,
        page(
          'No sign-in in progress',
          '<p>This browser has no sign-in waiting here (or it took too long).</p><p><a href="/login">Sign in again</a></p>',
        ),
      );
      return;
    }
    const [, session] = found;
    delete session.pending; // one use, whatever happens next
    const current = new URL(redirectUri);
    current.search = new URL(req.url ?? '/', base).search;
    try {
      const cfg = await config();
      const tokens = await oidc.authorizationCodeGrant(cfg, current, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims()!;
      const userinfo = await oidc.fetchUserInfo(cfg, tokens.access_token, claims.sub);
      session.signedIn = {
        claims: { ...claims },
        userinfo: { ...userinfo },
        idToken: tokens.id_token!,
      };
      redirect(res, '/');
    } catch (e) {
      const error = e as { error?: string; error_description?: string; message?: string };
      const detail = error.error
        ? `${error.error}${error.error_description ? `: ${error.error_description}` : ''}`
        : (error.message ?? String(e));
      send(
        res,
        502,
        page('Sign-in failed', `<p>${escapeHtml(detail)}</p><p><a href="/login">Try again</a></p>`),
      );
    }
  }

  /**
   * Forgets the local session; `everywhere` also sends the browser to the provider's
   * end_session endpoint (RP-Initiated Logout 1.0) with the ID token as the hint, to come back
   * to this application's home page with `state`.
   */
  async function logout(req: IncomingMessage, res: ServerResponse, everywhere: boolean) {
    const found = sessionOf(req);
    if (found) sessions.delete(found[0]);
    res.setHeader('set-cookie', `${COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);
    const idToken = found?.[1].signedIn?.idToken;
    if (!everywhere || !idToken) return redirect(res, '/');
    const state = oidc.randomState();
    const now = Date.now();
    for (const [s, expires] of signingOut) if (expires <= now) signingOut.delete(s);
    if (signingOut.size < MAX_SESSIONS) signingOut.set(state, now + PENDING_MS);
    const url = oidc.buildEndSessionUrl(await config(), {
      id_token_hint: idToken,
      post_logout_redirect_uri: new URL('/', base).href,
      state,
    });
    redirect(res, url.href);
  }

  /**
   * Front-Channel Logout 1.0: the provider's signed-out page loads this in a hidden iframe,
   * with its `iss` and the `sid` of the ended session; every local session of that sign-in ends.
   */
  function frontChannelLogout(url: URL, res: ServerResponse): void {
    const sid = url.searchParams.get('sid');
    if (url.searchParams.get('iss') === options.issuer && sid) {
      for (const [id, s] of sessions) if (s.signedIn?.claims.sid === sid) sessions.delete(id);
      options.onFrontChannelLogout?.(sid);
    }
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      // Only the provider may frame this page (§2: it is loaded in the provider's iframe).
      'content-security-policy': `default-src 'none'; frame-ancestors ${issuer.origin}`,
    });
    res.end('<!doctype html><title>Signed out</title>');
  }

  /**
   * Back-Channel Logout 1.0 §2.6: the provider POSTs a logout token (a JWT it signed, `typ`
   * logout+jwt) when a session ends anywhere; every local session of that sign-in ends.
   */
  async function backChannelLogout(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const answer = (status: number, body = ''): void => {
      res
        .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(body);
    };
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_FORM_BYTES) return answer(413);
      chunks.push(chunk as Buffer);
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim();
    const token = new URLSearchParams(Buffer.concat(chunks).toString()).get('logout_token');
    if (type !== 'application/x-www-form-urlencoded' || !token)
      return answer(400, '{"error":"invalid_request"}');
    try {
      const cfg = await config();
      jwks ??= createRemoteJWKSet(new URL(cfg.serverMetadata().jwks_uri!));
      const { payload } = await jwtVerify(token, jwks, {
        issuer: cfg.serverMetadata().issuer,
        audience: options.clientId,
        typ: 'logout+jwt',
        requiredClaims: ['iat', 'exp', 'jti', 'events', 'sid'],
      });
      const events = payload.events as Record<string, unknown> | undefined;
      if (typeof events?.[BACKCHANNEL_EVENT] !== 'object' || 'nonce' in payload)
        throw new Error('not a logout token');
      const now = Date.now();
      for (const [jti, expires] of seenLogoutTokens)
        if (expires <= now) seenLogoutTokens.delete(jti);
      if (seenLogoutTokens.has(payload.jti!)) throw new Error('replayed');
      seenLogoutTokens.set(payload.jti!, payload.exp! * 1000);
      const sid = String(payload.sid);
      for (const [id, s] of sessions) if (s.signedIn?.claims.sid === sid) sessions.delete(id);
      options.onBackChannelLogout?.(sid);
      answer(200);
    } catch {
      answer(400, '{"error":"invalid_request"}');
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    if (url.pathname === '/backchannel-logout') {
      if (req.method === 'POST') return backChannelLogout(req, res);
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    // The session cookie belongs to one host name: keep the browser on the configured one, so
    // the cookie set at /login comes back at the redirect URI.
    if (req.headers.host !== base.host && url.pathname !== '/callback') {
      redirect(res, new URL(url.pathname + url.search, base).href);
      return;
    }
    switch (url.pathname) {
      case '/':
        return home(res, sessionOf(req)?.[1], url);
      case '/login':
        return login(res);
      case '/callback':
        return callback(req, res);
      case '/logout':
        return logout(req, res, true);
      case '/logout/local':
        return logout(req, res, false);
      case '/frontchannel-logout':
        return frontChannelLogout(url, res);
      default:
        send(res, 404, page('Not found', '<p><a href="/">Home</a></p>'));
    }
  }

  return createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      process.stderr.write(`example RP: ${e instanceof Error ? e.message : String(e)}\n`);
      if (!res.headersSent) {
        send(
          res,
          502,
          page(
            'The provider could not be reached',
            `<p>Is it running at <code>${escapeHtml(options.issuer)}</code>?</p>`,
          ),
        );
      } else res.end();
    });
  });
}

function main(): void {
  const env = process.env;
  const port = Number(env.PORT ?? DEMO_DEFAULTS.port);
  const options: RpOptions = {
    issuer: env.ISSUER || DEMO_DEFAULTS.issuer,
    clientId: env.CLIENT_ID || DEMO_DEFAULTS.clientId,
    clientSecret: env.CLIENT_SECRET || DEMO_DEFAULTS.clientSecret,
    baseUrl: env.BASE_URL || `http://localhost:${port}`,
  };
  let server: Server;
  try {
    server = createRpServer(options);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(64);
  }
  server.listen(port, env.HOST || '127.0.0.1', () => {
    process.stdout.write(
      `Example relying party on ${options.baseUrl} (client ${options.clientId}, issuer ${options.issuer}). Open it and sign in.\n`,
    );
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
