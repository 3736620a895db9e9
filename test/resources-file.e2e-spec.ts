import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { ResourceServers } from '../src/resources/resource-servers.service.js';
import { basicAuth, postForm, registerClient } from './support/clients.js';
import {
  createStorage,
  startProvider,
  target,
  type RunningProvider,
  type Storage,
} from './support/provider.js';

const INVOICES = 'https://invoices.example';
const REPORTS = 'https://reports.example';
const ADMIN_DECLARED = 'https://declared-by-admin.example';

function file(...entries: string[]): string {
  return ['resources:', ...entries].join('\n') + '\n';
}
const invoices = (lifespan = '15m') =>
  `  - identifier: ${INVOICES}\n    scopes: [invoices:read]\n    clients: any\n    access_token_lifespan: ${lifespan}`;
const reports = `  - identifier: ${REPORTS}\n    scopes: [reports:read]\n    clients: [reporter]`;

describe(`resource servers from RESOURCES_FILE on ${target}`, { timeout: 120_000 }, () => {
  let storage: Storage;
  let dir: string;
  let path: string;
  let provider: RunningProvider | undefined;

  before(async () => {
    storage = await createStorage();
    dir = mkdtempSync(join(tmpdir(), 'op-resources-file-'));
    path = join(dir, 'resources.yml');
  });
  after(async () => {
    await provider?.close();
    await storage?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const boot = async (text: string) => {
    await provider?.close();
    provider = undefined;
    writeFileSync(path, text);
    provider = await startProvider({ ...storage.env, RESOURCES_FILE: path });
    return provider;
  };
  const stored = async (p: RunningProvider) =>
    (await p.app.get(ResourceServers).list({ limit: 50 })).resources.map((r) => ({
      identifier: r.definition.identifier,
      origin: r.origin,
      updated: r.updatedAt.getTime(),
      definition: r.definition,
    }));

  test('the resources are declared at boot and shape the tokens at /token', async () => {
    const p = await boot(file(invoices(), reports));
    const list = await stored(p);
    assert.deepEqual(
      list.map((r) => [r.identifier, r.origin]),
      [
        [INVOICES, 'file'],
        [REPORTS, 'file'],
      ],
    );
    const client = await registerClient(p.app, {
      grant_types: ['client_credentials'],
      scope: 'invoices:read reports:read',
    });
    const res = await postForm(
      `${p.url}/token`,
      { grant_type: 'client_credentials', resource: INVOICES },
      { authorization: basicAuth(client.clientId, client.secret!) },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(decodeJwt(res.body.access_token as string).aud, INVOICES);
    assert.equal(res.body.expires_in, 900, "the file's lifespan");
    assert.equal(res.body.scope, 'invoices:read');
  });

  test('a second boot with the same file writes nothing', async () => {
    const before = await stored(provider!);
    assert.deepEqual(await stored(await boot(file(invoices(), reports))), before);
  });

  test('a changed entry is updated, one no longer in the file removed, an admin one kept', async () => {
    const before = await stored(provider!);
    const servers = provider!.app.get(ResourceServers);
    await servers.put(servers.read({ identifier: ADMIN_DECLARED, clients: 'any' }));
    const after = await stored(await boot(file(invoices('20m'))));
    assert.deepEqual(
      after.map((r) => [r.identifier, r.origin]),
      [
        [ADMIN_DECLARED, 'admin'],
        [INVOICES, 'file'],
      ],
    );
    assert.equal(after[1].definition.accessTokenLifespanMs, 20 * 60_000);
    assert.ok(after[1].updated > before[0].updated);
  });

  test('a bad file stops start-up with a message naming the entry, and changes nothing', async () => {
    const before = await stored(provider!);
    await provider!.close();
    provider = undefined;
    const cases = [
      [
        'an identifier the admin API declared',
        file(invoices(), `  - identifier: ${ADMIN_DECLARED}`),
        /RESOURCES_FILE: https:\/\/declared-by-admin\.example is declared through the admin API; delete it there/,
      ],
      [
        'a relative identifier',
        file(invoices(), '  - identifier: /api'),
        /RESOURCES_FILE resources\[1\] \(\/api\): identifier must be an absolute URI/,
      ],
      [
        'a reserved scope',
        file(`  - identifier: ${REPORTS}\n    scopes: [openid]`),
        /RESOURCES_FILE resources\[0\] \(https:\/\/reports\.example\): scope openid is the provider's/,
      ],
      [
        'an unknown field',
        file(`  - identifier: ${REPORTS}\n    audience: x`),
        /resources\[0\] .*audience is not a resource field/,
      ],
      [
        'a lifespan too long',
        file(invoices('48h')),
        /access_token_lifespan must be a duration from 1m to 24h/,
      ],
      ['a repeated identifier', file(invoices(), invoices()), /resources\[1\]: .* appears twice/],
      ['no list', 'resources: {}\n', /RESOURCES_FILE must have a resources: list/],
      ['bad YAML', 'resources: [\n', /RESOURCES_FILE is not valid YAML/],
    ] as const;
    for (const [name, text, message] of cases) {
      writeFileSync(path, text);
      await assert.rejects(
        startProvider({ ...storage.env, RESOURCES_FILE: path }),
        (e: Error) => {
          assert.match(e.message, message, name);
          return true;
        },
        name,
      );
    }
    // All or nothing: the declarations are those of the last good file.
    provider = await startProvider(storage.env);
    assert.deepEqual(await stored(provider), before);
  });

  test('a missing file stops start-up', async () => {
    await assert.rejects(
      startProvider({ ...storage.env, RESOURCES_FILE: join(dir, 'nope.yml') }),
      /RESOURCES_FILE .*nope\.yml cannot be read: ENOENT/,
    );
  });
});
