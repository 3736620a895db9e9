import type { MigrationInterface, QueryRunner } from 'typeorm';

export class SessionCookieDigest1764000000025 implements MigrationInterface {
  name = 'SessionCookieDigest1764000000025';

  async up(q: QueryRunner): Promise<void> {
    // The digest of the cookie that opens the session, apart from its id (the `sid` relying
    // parties hold): every sign-in gives the browser a new cookie, the old one opens nothing,
    // and the sid, and so front- and back-channel logout, stay. Until now the two were equal.
    await q.query(`ALTER TABLE sessions ADD COLUMN cookie_digest text`);
    await q.query(`UPDATE sessions SET cookie_digest = id`);
    await q.query(`ALTER TABLE sessions ALTER COLUMN cookie_digest SET NOT NULL`);
    await q.query(`CREATE UNIQUE INDEX sessions_cookie_digest ON sessions (cookie_digest)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sessions DROP COLUMN cookie_digest`);
  }
}
