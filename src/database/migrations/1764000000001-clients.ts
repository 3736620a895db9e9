import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Clients1764000000001 implements MigrationInterface {
  name = 'Clients1764000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE clients (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        client_id text NOT NULL UNIQUE CHECK (length(client_id) BETWEEN 1 AND 200),
        metadata jsonb NOT NULL,
        secret_digest text,
        secret_encrypted bytea,
        previous_secret_digest text,
        previous_secret_encrypted bytea,
        previous_secret_expires_at timestamptz,
        registration_token_digest text,
        origin text NOT NULL CHECK (origin IN ('admin', 'registration', 'seed')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX clients_registration_token ON clients (registration_token_digest) WHERE registration_token_digest IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE clients`);
  }
}
