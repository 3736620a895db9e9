import type { MigrationInterface, QueryRunner } from 'typeorm';

export class RefreshTokensBySession1764000000022 implements MigrationInterface {
  name = 'RefreshTokensBySession1764000000022';

  async up(q: QueryRunner): Promise<void> {
    // Every sign-out looks up the session's online refresh tokens (Back-Channel Logout §2.7);
    // without this each one would scan the table.
    await q.query(
      `CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id) WHERE session_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX refresh_tokens_session`);
  }
}
