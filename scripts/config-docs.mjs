// Regenerates the variable tables of docs/configuration.md and the whole .env.example from the
// settings each module declares (src/**/*.settings.ts), through dist/src/config/settings-docs.js:
// `npm run config:docs` builds first. With --check it writes nothing and exits 1 when a file is
// out of date (settings-docs.spec.ts checks the same in the unit tests).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const { generatedFiles } = await import(join(root, 'dist/src/config/settings-docs.js'));
const check = process.argv.includes('--check');

let stale = 0;
for (const { path, text } of await generatedFiles(root)) {
  const file = join(root, path);
  if (readFileSync(file, 'utf8') === text) {
    console.log(`${path}: up to date`);
  } else if (check) {
    console.log(`${path}: out of date (npm run config:docs)`);
    stale++;
  } else {
    writeFileSync(file, text);
    console.log(`${path}: written`);
  }
}
process.exitCode = stale > 0 ? 1 : 0;
