import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AccessTokenDenials1764000000030 implements MigrationInterface {
  name = 'AccessTokenDenials1764000000030';

  async up(q: QueryRunner): Promise<void> {
    // The durable copy of the access-token deny list (token/deny-list.ts): Redis serves it,
    // this restores it when Redis comes back empty. A row lives until the token's own expiry.
    await q.query(`
      CREATE TABLE access_token_denials (
        jti text PRIMARY KEY,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL
      )`);
    await q.query(
      `CREATE INDEX access_token_denials_expires_at ON access_token_denials (expires_at)`,
    );
    await q.query(
      `CREATE INDEX access_token_denials_created_at ON access_token_denials (created_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE access_token_denials`);
  }
}
