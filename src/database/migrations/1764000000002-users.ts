import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Users1764000000002 implements MigrationInterface {
  name = 'Users1764000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        username text NOT NULL CHECK (length(username) BETWEEN 1 AND 100),
        password_digest text,
        disabled boolean NOT NULL DEFAULT false,
        claims jsonb NOT NULL DEFAULT '{}',
        groups jsonb NOT NULL DEFAULT '[]',
        totp_secret_encrypted bytea,
        origin text NOT NULL CHECK (origin IN ('admin', 'seed', 'cli', 'demo')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // One account per name whatever its case: "Alice" cannot shadow "alice".
    await q.query(`CREATE UNIQUE INDEX users_username_lower ON users (lower(username))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE users`);
  }
}
