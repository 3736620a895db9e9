import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Clients may have the origin `demo`: the demo client seeded on the embedded default, told
 * apart from the clients of CLIENTS_FILE (`seed`) so neither takes the other over.
 */
export class DemoClientOrigin1764000000011 implements MigrationInterface {
  name = 'DemoClientOrigin1764000000011';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE clients DROP CONSTRAINT clients_origin_check`);
    await q.query(
      `ALTER TABLE clients ADD CONSTRAINT clients_origin_check CHECK (origin IN ('admin', 'registration', 'seed', 'demo'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM clients WHERE origin = 'demo'`);
    await q.query(`ALTER TABLE clients DROP CONSTRAINT clients_origin_check`);
    await q.query(
      `ALTER TABLE clients ADD CONSTRAINT clients_origin_check CHECK (origin IN ('admin', 'registration', 'seed'))`,
    );
  }
}
