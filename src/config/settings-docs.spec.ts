import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SETTINGS } from './declarations.js';
import {
  generatedFiles,
  REGENERATE,
  renderConfigurationDoc,
  renderEnvExample,
} from './settings-docs.js';
import { defineSettings, duration, text, type Setting } from './settings.js';

/** The first line where two texts part, to say where a file went stale. */
function firstDifference(actual: string, expected: string): string {
  const a = actual.split('\n');
  const e = expected.split('\n');
  const line = a.findIndex((l, i) => l !== e[i]);
  const at = line === -1 ? a.length : line;
  return `line ${at + 1}:\n  file:      ${a[at] ?? '(end of file)'}\n  generated: ${e[at] ?? '(end of file)'}`;
}

test('docs/configuration.md and .env.example are what the settings declarations generate', async () => {
  // The unit specs run from the repository root.
  for (const { path, text } of await generatedFiles(process.cwd())) {
    const actual = readFileSync(path, 'utf8');
    assert.ok(
      actual === text,
      `${path} differs from the settings declarations (src/**/*.settings.ts): run \`${REGENERATE}\` and commit the result. First difference, ${firstDifference(actual, text)}`,
    );
  }
});

const example = defineSettings({
  id: 'example',
  title: 'Example',
  settings: {
    EXAMPLE_WINDOW: duration({
      default: '2m',
      description: 'The window over which failures are counted.',
      summary: 'Window of the failure counts.',
    }),
    EXAMPLE_NAME: text({ default: 'Single sign-on', description: 'A name | with a pipe.' }),
    EXAMPLE_SECRET: text({ secret: true, description: 'A secret.', summary: 'Never shown.' }),
  },
  config: () => ({}),
});

test('.env.example: a part per group, each variable with its comment and default; secrets empty', () => {
  const env = renderEnvExample([example]);
  assert.match(
    env,
    /\n# --- Example -+\n# Window of the failure counts\.\nEXAMPLE_WINDOW=2m\nEXAMPLE_NAME="Single sign-on"\n# Never shown\.\nEXAMPLE_SECRET=\n/,
  );
  assert.match(env, /^POSTGRES_PASSWORD=$/m, 'the docker-compose part stays');
});

test("docs/configuration.md: each marked block becomes its groups' table, the prose stays", () => {
  const doc = [
    '# Title',
    '',
    'Prose before.',
    '',
    '<!-- generated:settings:begin example -->',
    'stale',
    '<!-- generated:settings:end -->',
    '',
    'Prose after.',
  ].join('\n');
  const out = renderConfigurationDoc(doc, [example]);
  assert.match(out, /^Prose before\.$/m);
  assert.match(out, /^Prose after\.$/m);
  assert.doesNotMatch(out, /stale/);
  assert.match(
    out,
    /^\| `EXAMPLE_WINDOW` \| `2m` \| The window over which failures are counted\. \| A duration\. \|$/m,
  );
  assert.match(out, /\| A name \\\| with a pipe\. \|/);
  assert.match(out, /^\| `EXAMPLE_SECRET` \| unset \| A secret\. \| A string\. \|$/m);
});

test('docs/configuration.md must place every group once, and name only declared ones', () => {
  assert.throws(
    () => renderConfigurationDoc('# Title\n', [example]),
    /has no table for the example settings: add <!-- generated:settings:begin example -->/,
  );
  const twice =
    '<!-- generated:settings:begin example -->\n<!-- generated:settings:end -->\n\n<!-- generated:settings:begin example -->\n<!-- generated:settings:end -->\n';
  assert.throws(() => renderConfigurationDoc(twice, [example]), /lists the example settings twice/);
  assert.throws(
    () =>
      renderConfigurationDoc(
        '<!-- generated:settings:begin nothing -->\n<!-- generated:settings:end -->\n',
        [example],
      ),
    /names no settings group "nothing"/,
  );
});

test('every declared setting has a description, and every default passes its own checks', () => {
  for (const group of SETTINGS) {
    const settings: Record<string, Setting<unknown>> = group.settings;
    for (const [name, setting] of Object.entries(settings)) {
      assert.ok(setting.description.trim() !== '', `${name} has a description`);
      if (setting.default !== undefined && setting.default !== '') {
        assert.deepEqual(setting.problems(name, setting.default), [], `${name}'s default is valid`);
      }
    }
  }
});
