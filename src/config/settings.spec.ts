import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkSettings,
  composeSettings,
  ConfigurationError,
  defineSettings,
  duration,
  flag,
  integer,
  list,
  mapSettings,
  oneOf,
  readSettings,
  text,
  url,
  type SettingsContext,
} from './settings.js';

const context: SettingsContext = {
  production: false,
  issuer: 'http://localhost:8080',
  embeddedDatabase: true,
  warn: () => undefined,
};

/** A made-up module: two variables, a check across them and a mapping into its section. */
const example = defineSettings({
  id: 'example',
  title: 'Example',
  settings: {
    EXAMPLE_WINDOW: duration({ default: '2m', description: 'The window.' }),
    EXAMPLE_MAX: integer({ min: 0, max: 10, default: 3, description: 'The limit.' }),
    EXAMPLE_URL: url(['https:'], { description: 'Where.' }),
  },
  *check(v) {
    if (v.EXAMPLE_WINDOW < 1000) yield 'EXAMPLE_WINDOW must be at least 1s';
  },
  config: (v) => ({
    regulation: {
      maxRetries: v.EXAMPLE_MAX,
      findTime: v.EXAMPLE_WINDOW,
      banTime: 0,
      addressMaxFailures: 0,
    },
  }),
});

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (e) {
    assert.ok(e instanceof ConfigurationError);
    return e.problems;
  }
  assert.fail('expected a ConfigurationError');
}

test('a declaration reads its defaults and given values, and maps them into its section', () => {
  const values = readSettings([example], {});
  assert.deepEqual(mapSettings(values, context), {
    regulation: { maxRetries: 3, findTime: 120_000, banTime: 0, addressMaxFailures: 0 },
  });
  const given = readSettings([example], {
    EXAMPLE_WINDOW: '1h30m',
    EXAMPLE_MAX: '',
    EXAMPLE_URL: 'https://x',
  });
  assert.deepEqual(given.get(example), {
    EXAMPLE_WINDOW: 5_400_000,
    EXAMPLE_MAX: 3, // empty counts as unset
    EXAMPLE_URL: 'https://x',
  });
  assert.deepEqual(readSettings([example], {}).get(example)?.EXAMPLE_URL, undefined);
});

test('format problems of every variable are reported together, in declaration order', () => {
  assert.deepEqual(
    problemsOf(() =>
      readSettings([example], {
        EXAMPLE_URL: 'http://x',
        EXAMPLE_WINDOW: 'soon',
        EXAMPLE_MAX: 'x',
      }),
    ),
    [
      'EXAMPLE_WINDOW must be a duration such as 90m, 1h or 7d (got "soon")',
      'EXAMPLE_MAX must not be greater than 10',
      'EXAMPLE_MAX must not be less than 0',
      'EXAMPLE_MAX must be an integer number',
      'EXAMPLE_URL must be an absolute URL with scheme https: (got "http://x")',
    ],
  );
});

test("a group's own checks run on typed values", () => {
  assert.deepEqual(checkSettings(readSettings([example], { EXAMPLE_WINDOW: '500ms' }), context), [
    'EXAMPLE_WINDOW must be at least 1s',
  ]);
  assert.deepEqual(checkSettings(readSettings([example], {}), context), []);
});

test('each builder: what it accepts, what it says, and the value it gives', () => {
  const read = (
    setting: { problems(n: string, r: string): string[]; parse(r: string): unknown },
    raw: string,
  ) => {
    const problems = setting.problems('X', raw);
    return problems.length > 0 ? problems : setting.parse(raw);
  };
  const mode = oneOf(['a', 'b'], { default: 'a', description: '.' });
  assert.equal(read(mode, 'b'), 'b');
  assert.deepEqual(read(mode, 'c'), ['X must be one of the following values: a, b']);
  assert.deepEqual(read(oneOf(['a'], { message: 'X must be a', description: '.' }), 'c'), [
    'X must be a',
  ]);
  assert.equal(read(oneOf([6, 8], { description: '.' }), '8.0'), 8);
  assert.equal(read(flag({ description: '.' }), 'true'), true);
  assert.deepEqual(read(flag({ description: '.' }), 'yes'), ['X must be true or false']);
  assert.equal(read(integer({ min: 0, max: 9, description: '.' }), ' 7 '), 7);
  assert.deepEqual(read(integer({ min: 0, max: 9, description: '.' }), '-1'), [
    'X must not be less than 0',
  ]);
  assert.deepEqual(read(list({ description: '.' }), ' a ,, b '), ['a', 'b']);
  assert.deepEqual(read(list({ of: ['a', 'b'], description: '.' }), 'a,c'), [
    'X must be a comma-separated list of a, b (got "a,c")',
  ]);
  assert.deepEqual(
    read(text({ pattern: /^x+$/, message: 'X must be xs', description: '.' }), 'y'),
    ['X must be xs'],
  );
});

test('what the generated docs say: default, checks and the .env.example value', () => {
  const window = duration({ default: '2m', description: 'The window.' });
  assert.equal(window.shownDefault, '`2m`');
  assert.equal(window.checks, 'A duration.');
  assert.equal(window.example, '2m');
  const secret = text({ secret: true, description: 'A secret.' });
  assert.equal(secret.shownDefault, 'unset');
  assert.equal(secret.example, '');
  assert.equal(oneOf(['a', 'b', 'c'], { description: '.' }).checks, '`a`, `b` or `c`.');
  assert.equal(integer({ min: 1, max: 20, description: '.' }).checks, 'Integer 1–20.');
  assert.equal(
    url(['redis:', 'rediss:'], { description: '.' }).checks,
    'A `redis:` or `rediss:` URL.',
  );
  assert.throws(
    () => text({ secret: true, default: 'x', description: '.' }),
    /secret setting has no default/,
  );
});

test('a variable declared twice, or a group id used twice, is refused', () => {
  const twin = defineSettings({
    id: 'twin',
    title: 'Twin',
    settings: { EXAMPLE_MAX: integer({ min: 0, max: 1, default: 0, description: '.' }) },
    config: () => ({}),
  });
  assert.throws(
    () => composeSettings([example, twin]),
    /EXAMPLE_MAX is declared twice: by the example and the twin settings/,
  );
  assert.throws(
    () => composeSettings([example, example]),
    /Settings group example is declared twice/,
  );
  assert.doesNotThrow(() => composeSettings([example]));
});

test('an AppConfig member that two groups fill is refused', () => {
  const again = defineSettings({
    id: 'again',
    title: 'Again',
    settings: {},
    config: () => ({
      regulation: { maxRetries: 0, findTime: 0, banTime: 0, addressMaxFailures: 0 },
    }),
  });
  assert.throws(
    () => mapSettings(readSettings([example, again], {}), context),
    /AppConfig.regulation is filled twice: by the example and the again settings/,
  );
});
