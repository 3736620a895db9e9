import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Consents1764000000010 implements MigrationInterface {
  name = 'Consents1764000000010';

  async up(q: QueryRunner): Promise<void> {
    // Deleting the user or the client deletes what they agreed to.
    await q.query(`
      CREATE TABLE consents (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        client_id text NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE ON UPDATE CASCADE,
        scopes text[] NOT NULL,
        claims text[] NOT NULL DEFAULT '{}',
        granted_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        UNIQUE (user_id, client_id)
      )`);
    await q.query(`CREATE INDEX consents_client ON consents (client_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE consents`);
  }
}
