// Runs the compiled test suites with Node's test runner and prints one closing line,
// "N passed, M failed", summed over every pass.
//   unit  dist/src/**/*.spec.js                  pure logic
//   e2e   dist/test/**/*.e2e-spec.js             twice: on Postgres + Redis, then on the embedded default
//         dist/test/**/*.service-spec.js         once: services with their real collaborators, no server
//         dist/test/**/*.int-spec.js             once: suites that bring their own services or processes
//   all   both
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const mode = process.argv[2] ?? 'all';
const only = process.env.TEST_ONLY; // a substring of the file names to run, for local work

function find(dir, suffix) {
  try {
    return readdirSync(dir, { recursive: true })
      .filter((f) => f.endsWith(suffix) && (!only || f.includes(only)))
      .map((f) => join(dir, f))
      .sort();
  } catch {
    return [];
  }
}

const services = {
  TEST_DATABASE_URL: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  TEST_REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
};

const passes = [];
if (mode === 'unit' || mode === 'all')
  passes.push({ name: 'unit', files: find('dist/src', '.spec.js'), env: {} });
if (mode === 'e2e' || mode === 'all') {
  const e2e = find('dist/test', '.e2e-spec.js');
  passes.push({
    name: 'e2e on Postgres + Redis',
    files: e2e,
    env: { ...services, E2E_TARGET: 'services' },
  });
  passes.push({
    name: 'e2e on the embedded default',
    files: e2e,
    env: { ...services, E2E_TARGET: 'embedded' },
  });
  passes.push({
    name: 'services',
    files: find('dist/test', '.service-spec.js'),
    env: { ...services, E2E_TARGET: 'services' },
  });
  passes.push({
    name: 'integration',
    files: find('dist/test', '.int-spec.js'),
    env: { ...services, E2E_TARGET: 'services' },
  });
}

let passed = 0;
let failed = 0;
const work = mkdtempSync(join(tmpdir(), 'op-tests-'));
for (const [i, pass] of passes.entries()) {
  if (pass.files.length === 0) continue;
  console.log(`\n=== ${pass.name}: ${pass.files.length} file(s)`);
  const tap = join(work, `pass-${i}.tap`);
  const started = Date.now();
  const result = spawnSync(
    process.execPath,
    [
      '--enable-source-maps',
      '--test',
      '--test-concurrency=1',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tap}`,
      ...pass.files,
    ],
    { stdio: 'inherit', env: { ...process.env, ...pass.env } },
  );
  const text = (() => {
    try {
      return readFileSync(tap, 'utf8');
    } catch {
      return '';
    }
  })();
  const count = (label) => Number(text.match(new RegExp(`^# ${label} (\\d+)$`, 'm'))?.[1] ?? 0);
  const p = count('pass');
  let f = count('fail') + count('cancelled');
  if (result.status !== 0 && f === 0) f = 1; // the runner itself failed: count it
  passed += p;
  failed += f;
  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(`=== ${pass.name}: ${p} passed, ${f} failed, in ${seconds} s`);
}
rmSync(work, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
