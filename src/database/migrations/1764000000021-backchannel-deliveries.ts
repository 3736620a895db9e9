import type { MigrationInterface, QueryRunner } from 'typeorm';

export class BackchannelDeliveries1764000000021 implements MigrationInterface {
  name = 'BackchannelDeliveries1764000000021';

  async up(q: QueryRunner): Promise<void> {
    // The durable queue of Back-Channel Logout deliveries, shared by every instance. A row
    // holds what the logout token says, never a signed token: each attempt signs a fresh one.
    await q.query(`
      CREATE TABLE backchannel_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        client_id text NOT NULL,
        uri text NOT NULL,
        user_id uuid NOT NULL,
        sid text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL
      )`);
    await q.query(
      `CREATE INDEX backchannel_deliveries_due ON backchannel_deliveries (next_attempt_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE backchannel_deliveries`);
  }
}
