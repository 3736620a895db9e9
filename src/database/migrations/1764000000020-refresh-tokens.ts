import type { MigrationInterface, QueryRunner } from 'typeorm';

export class RefreshTokens1764000000020 implements MigrationInterface {
  name = 'RefreshTokens1764000000020';

  async up(q: QueryRunner): Promise<void> {
    // One row per refresh token, stored as its SHA-256. A family is every token rotated from one
    // grant; revoking one revokes them all. Deleting the user or the client deletes them.
    await q.query(`
      CREATE TABLE refresh_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        token_digest text NOT NULL UNIQUE,
        family_id uuid NOT NULL,
        client_id text NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE ON UPDATE CASCADE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        session_id text,
        scope text[] NOT NULL,
        claims jsonb NOT NULL DEFAULT '{}',
        resources text[] NOT NULL DEFAULT '{}',
        auth_time timestamptz NOT NULL,
        amr text[] NOT NULL,
        acr text NOT NULL,
        access_token_jti text,
        access_token_exp timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        family_expires_at timestamptz NOT NULL,
        used_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id)`);
    await q.query(`CREATE INDEX refresh_tokens_user_client ON refresh_tokens (user_id, client_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE refresh_tokens`);
  }
}
