import type { MigrationInterface, QueryRunner } from 'typeorm';

export class UsersRehashedFrom1764000000024 implements MigrationInterface {
  name = 'UsersRehashedFrom1764000000024';

  async up(q: QueryRunner): Promise<void> {
    // The SHA-256 of an imported digest a sign-in replaced with the provider's argon2id, so the
    // users file that still lists the imported digest does not put it back at the next start.
    await q.query(`ALTER TABLE users ADD COLUMN password_rehashed_from text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users DROP COLUMN password_rehashed_from`);
  }
}
