import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ClientIntrospectionPolicy1764000000026 implements MigrationInterface {
  name = 'ClientIntrospectionPolicy1764000000026';

  async up(q: QueryRunner): Promise<void> {
    // RFC 7662 §4: introspection is now limited to a client's own tokens, tokens addressed to
    // it, or any token where the operator says so. Stored metadata gets the closed defaults.
    await q.query(
      `UPDATE clients SET metadata = jsonb_build_object(
         'introspection_audiences', '[]'::jsonb, 'introspect_any_token', false) || metadata`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE clients SET metadata = metadata - 'introspection_audiences' - 'introspect_any_token'`,
    );
  }
}
