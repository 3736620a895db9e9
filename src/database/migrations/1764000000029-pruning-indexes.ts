import type { MigrationInterface, QueryRunner } from 'typeorm';

/** What the pruning jobs look rows up by, so a pass reads only what it deletes. */
const INDEXES: [name: string, definition: string][] = [
  ['refresh_tokens_expires_at', 'refresh_tokens (expires_at)'],
  ['refresh_tokens_family_expires_at', 'refresh_tokens (family_expires_at)'],
  ['refresh_tokens_revoked_at', 'refresh_tokens (revoked_at) WHERE revoked_at IS NOT NULL'],
  ['consents_expires_at', 'consents (expires_at)'],
  ['backchannel_deliveries_created_at', 'backchannel_deliveries (created_at)'],
];

export class PruningIndexes1764000000029 implements MigrationInterface {
  name = 'PruningIndexes1764000000029';

  async up(q: QueryRunner): Promise<void> {
    for (const [name, definition] of INDEXES)
      await q.query(`CREATE INDEX ${name} ON ${definition}`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [name] of INDEXES) await q.query(`DROP INDEX ${name}`);
  }
}
