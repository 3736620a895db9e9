import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createStorage,
  startProvider,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

/**
 * Swagger documents everything the provider serves: every route Fastify answers (but the HTML
 * interaction steps and Swagger UI itself) is in /docs-json, every response has a description,
 * every success with a body has a schema and an example, every request body a schema.
 */

interface Schema {
  type?: string;
  $ref?: string;
  example?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  oneOf?: (Schema & { title?: string })[];
  items?: Schema;
}
interface MediaType {
  schema?: Schema;
  example?: unknown;
  examples?: Record<string, unknown>;
}
interface Operation {
  parameters?: { name: string; in: string; required?: boolean; schema?: Schema }[];
  requestBody?: { content: Record<string, MediaType> };
  responses: Record<string, { description?: string; content?: Record<string, MediaType> }>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

/** Served but not API: the pages' form steps (HTML, CSRF-bound) and Swagger UI's own files. */
const NOT_API = [/^\/docs/, /^\/interaction\//, /^\/end_session\/confirm$/];

/** A 200 without a body, as RFC 7009 §2.2 answers a revocation. */
const EMPTY_SUCCESS = new Set(['post /revoke 200']);

/**
 * Every method and path Fastify serves, from its route tree (`printRoutes`): each line is one
 * node, its path continuing its parent's, its methods in parentheses.
 */
function servedRoutes(tree: string): { method: string; path: string }[] {
  const routes: { method: string; path: string }[] = [];
  const stack: { depth: number; path: string }[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+)(?: \(([^)]*)\))?$/u.exec(line);
    if (!match) continue;
    const depth = match[1].length / 4;
    while (stack.length > 0 && stack[stack.length - 1].depth >= depth) stack.pop();
    const path = (stack.length > 0 ? stack[stack.length - 1].path : '') + match[2];
    stack.push({ depth, path });
    for (const method of (match[3] ?? '').split(',').map((m) => m.trim().toLowerCase())) {
      if (method && method !== 'head') routes.push({ method, path });
    }
  }
  return routes;
}

/** Whether a body's documentation shows an example: its own, or its schema's (nested) members'. */
function hasExample(media: MediaType, doc: OpenApiDocument): boolean {
  if (media.example !== undefined || media.examples !== undefined) return true;
  const shows = (schema: Schema | undefined, depth: number): boolean => {
    if (!schema || depth > 6) return false;
    if (schema.$ref) return shows(doc.components.schemas[schema.$ref.split('/').pop()!], depth + 1);
    if (schema.example !== undefined) return true;
    if (schema.items) return shows(schema.items, depth + 1);
    return Object.values(schema.properties ?? {}).some((p) => shows(p, depth + 1));
  };
  return shows(media.schema, 0);
}

describe('the OpenAPI document', { timeout: 60_000 }, () => {
  let storage: Storage;
  let provider: RunningProvider;
  let doc: OpenApiDocument;

  before(async () => {
    storage = await createStorage('embedded');
    provider = await startProvider({ ...storage.env, REGISTRATION_MODE: 'open' });
    doc = (await (await fetch(`${provider.url}/docs-json`)).json()) as OpenApiDocument;
  });
  after(async () => {
    await provider?.close();
    await storage?.dispose();
  });

  test('documents every served route but the interaction steps', () => {
    const tree = provider.app.getHttpAdapter().getInstance().printRoutes({ commonPrefix: false });
    const routes = servedRoutes(tree).filter((r) => !NOT_API.some((p) => p.test(r.path)));
    // The parse found the tree: the endpoints every deployment serves are among the routes.
    for (const path of ['/authorize', '/token', '/userinfo', '/admin/users/:id/sessions/:sid'])
      assert.ok(
        routes.some((r) => r.path === path),
        `${path} is served`,
      );
    const missing = routes
      .map((r) => ({ ...r, openapi: r.path.replace(/:(\w+)/g, '{$1}') }))
      .filter((r) => doc.paths[r.openapi]?.[r.method] === undefined)
      .map((r) => `${r.method.toUpperCase()} ${r.path}`);
    assert.deepEqual(missing, [], 'served routes missing from /docs-json');
  });

  test('every response has a description; every success with a body a schema and an example', () => {
    const problems: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          const where = `${method} ${path} ${status}`;
          if (!response.description?.trim()) problems.push(`${where}: no description`);
          if (!status.startsWith('2') || status === '204' || EMPTY_SUCCESS.has(where)) continue;
          const media = Object.values(response.content ?? {});
          if (media.length === 0 || media.some((m) => !m.schema))
            problems.push(`${where}: no schema`);
          else if (!media.some((m) => hasExample(m, doc))) problems.push(`${where}: no example`);
        }
        for (const [type, media] of Object.entries(operation.requestBody?.content ?? {}))
          if (!media.schema) problems.push(`${method} ${path}: request body ${type} has no schema`);
        // Errors are in the shape the error filters write (RFC 6749 §5.2).
        for (const [status, response] of Object.entries(operation.responses)) {
          const json = response.content?.['application/json'];
          if (status.startsWith('4') && json && !json.schema?.properties?.error)
            problems.push(`${method} ${path} ${status}: not the OAuth error schema`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  test('/token has one schema per served grant, from its @Grant declaration', async () => {
    const discovery = (await (
      await fetch(`${provider.url}/.well-known/openid-configuration`)
    ).json()) as { grant_types_supported: string[] };
    const body =
      doc.paths['/token'].post.requestBody!.content['application/x-www-form-urlencoded'].schema!;
    const grants = body.oneOf ?? [];
    assert.deepEqual(
      grants.map((g) => g.title).sort(),
      [...discovery.grant_types_supported].sort(),
    );
    const byType = new Map(grants.map((g) => [g.title, g]));
    const grant = (type: string) => byType.get(type)!;
    assert.deepEqual(grant('authorization_code').required, ['grant_type', 'code']);
    assert.deepEqual(grant('refresh_token').required, ['grant_type', 'refresh_token']);
    assert.ok('code_verifier' in grant('authorization_code').properties!);
    assert.ok('resource' in grant('client_credentials').properties!);
    // RFC 8693 §2.1.
    const exchange = grant('urn:ietf:params:oauth:grant-type:token-exchange');
    assert.deepEqual(exchange.required, ['grant_type', 'subject_token', 'subject_token_type']);
    for (const name of ['actor_token', 'actor_token_type', 'requested_token_type', 'audience'])
      assert.ok(name in exchange.properties!, name);
    // Each grant's schema also names the ways to authenticate in the body.
    for (const grant of grants) assert.ok('client_assertion' in grant.properties!, grant.title);
  });

  test('/authorize, /end_session and the admin lists document their query parameters', () => {
    const names = (path: string) =>
      (doc.paths[path].get.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
    // OpenID Connect Core §3.1.2.1 and RFC 7636 §4.3.
    for (const name of [
      'response_type',
      'client_id',
      'redirect_uri',
      'scope',
      'state',
      'nonce',
      'prompt',
      'max_age',
      'code_challenge',
      'code_challenge_method',
      'response_mode',
      'resource',
    ])
      assert.ok(names('/authorize').includes(name), `/authorize ${name}`);
    const form = doc.paths['/authorize'].post.requestBody!.content;
    assert.ok(form['application/x-www-form-urlencoded']?.schema, '/authorize POST form');
    // RP-Initiated Logout 1.0 §2.
    for (const name of ['id_token_hint', 'client_id', 'post_logout_redirect_uri', 'state'])
      assert.ok(names('/end_session').includes(name), `/end_session ${name}`);
    for (const path of ['/admin/users', '/admin/clients'])
      assert.deepEqual(names(path).sort(), ['after', 'limit'], path);
  });
});
