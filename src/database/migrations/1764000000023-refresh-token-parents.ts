import type { MigrationInterface, QueryRunner } from 'typeorm';

export class RefreshTokenParents1764000000023 implements MigrationInterface {
  name = 'RefreshTokenParents1764000000023';

  async up(q: QueryRunner): Promise<void> {
    // The token each one was rotated from: a reuse within REFRESH_TOKEN_REUSE_GRACE is honoured
    // only while nothing rotated from the reused token has been used (RFC 9700 §4.14.2).
    // A token rotated before this column has no recorded children: a reuse of it is a replay.
    await q.query(`ALTER TABLE refresh_tokens ADD COLUMN parent_id uuid`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE refresh_tokens DROP COLUMN parent_id`);
  }
}
