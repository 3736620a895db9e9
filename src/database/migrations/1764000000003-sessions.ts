import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Sessions1764000000003 implements MigrationInterface {
  name = 'Sessions1764000000003';

  async up(q: QueryRunner): Promise<void> {
    // id: the base64url SHA-256 digest of the random id in the cookie, never the id itself.
    await q.query(`
      CREATE TABLE sessions (
        id text PRIMARY KEY CHECK (length(id) = 43),
        user_id uuid NOT NULL
          CONSTRAINT sessions_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
        auth_time timestamptz NOT NULL,
        amr text[] NOT NULL DEFAULT '{}',
        acr text NOT NULL,
        clients text[] NOT NULL DEFAULT '{}',
        remember_me boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX sessions_user_id ON sessions (user_id)`);
    // For the clean-up job: past the absolute expiry, or idle (only sessions that can idle).
    await q.query(`CREATE INDEX sessions_expires_at ON sessions (expires_at)`);
    await q.query(
      `CREATE INDEX sessions_last_seen_at ON sessions (last_seen_at) WHERE NOT remember_me`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sessions`);
  }
}
