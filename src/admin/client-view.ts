import type { Client } from '../clients/client.entity.js';

/** What the admin API shows of a client: its metadata and bookkeeping, never a secret digest. */
export function clientView(client: Client): Record<string, unknown> {
  return {
    client_id: client.clientId,
    ...client.metadata,
    origin: client.origin,
    has_secret: client.secretDigest !== null,
    ...(client.previousSecretExpiresAt &&
      client.previousSecretExpiresAt.getTime() > Date.now() && {
        previous_secret_expires_at: client.previousSecretExpiresAt.toISOString(),
      }),
    created_at: client.createdAt.toISOString(),
    updated_at: client.updatedAt.toISOString(),
  };
}
