import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AuditEvents1764000000031 implements MigrationInterface {
  name = 'AuditEvents1764000000031';

  async up(q: QueryRunner): Promise<void> {
    // No foreign keys: an event outlives the user or client it names (that is its point).
    await q.query(`
      CREATE TABLE audit_events (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL,
        type text NOT NULL,
        actor text,
        user_id uuid,
        client_id text,
        address text,
        detail jsonb NOT NULL DEFAULT '{}'
      )`);
    await q.query(`CREATE INDEX audit_events_at ON audit_events (at)`);
    await q.query(`CREATE INDEX audit_events_type ON audit_events (type, id)`);
    await q.query(
      `CREATE INDEX audit_events_user ON audit_events (user_id, id) WHERE user_id IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX audit_events_client ON audit_events (client_id, id) WHERE client_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_events`);
  }
}
