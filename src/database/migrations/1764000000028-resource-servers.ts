import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ResourceServers1764000000028 implements MigrationInterface {
  name = 'ResourceServers1764000000028';

  async up(q: QueryRunner): Promise<void> {
    // RFC 8707: the APIs the operator declares (RESOURCES_FILE or the admin API). `definition`
    // is the checked declaration (resources/resource-catalog.ts); `origin` says who owns it.
    await q.query(`CREATE TABLE resource_servers (
      identifier text PRIMARY KEY,
      definition jsonb NOT NULL,
      origin text NOT NULL CHECK (origin IN ('file', 'admin')),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE resource_servers`);
  }
}
