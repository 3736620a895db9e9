import { resolve } from 'node:path';
import { defineSettings, integer, text, url } from '../config/settings.js';

/** Postgres, or the embedded default (PGlite in DATA_DIR) when DATABASE_URL is unset. */
export const databaseSettings = defineSettings({
  id: 'database',
  title: 'Database',
  settings: {
    // Secret: the URL usually carries the password.
    DATABASE_URL: url(['postgres:', 'postgresql:'], {
      secret: true,
      description:
        'Postgres connection URL. Unset: the embedded Postgres (PGlite) in `DATA_DIR`, for development and one process only.',
      summary:
        'postgres:// URL. Empty: embedded Postgres (PGlite) in DATA_DIR, development and one instance only. docker-compose sets it to its own postgres service.',
    }),
    DATABASE_POOL_SIZE: integer({
      min: 1,
      max: 200,
      default: 10,
      description:
        'Connections each instance may open to `DATABASE_URL`. Ignored by the embedded database (one connection).',
      summary: 'Connections per instance to DATABASE_URL (1-200).',
    }),
    DATA_DIR: text({
      default: './.data',
      description:
        'Folder of the embedded database (resolved against the working directory). Used only when `DATABASE_URL` is unset.',
      summary: 'Folder of the embedded Postgres (used only when DATABASE_URL is empty).',
      checks: 'A string. The folder is created with mode 0700.',
    }),
  },
  config: (v) => ({
    database: { url: v.DATABASE_URL, poolSize: v.DATABASE_POOL_SIZE, dataDir: resolve(v.DATA_DIR) },
  }),
});
