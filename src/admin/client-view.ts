import { formatDuration } from '../common/duration.js';
import type { Client } from '../clients/client.entity.js';
import type { ClientsService } from '../clients/clients.service.js';

/**
 * What the admin API shows of a client: its metadata and bookkeeping, never a secret digest.
 * Durations are shown in seconds, the unit a number is read in, so a client read and sent
 * back unchanged stays unchanged. `clients` says, by the provider's clock, whether a secret
 * rotation's overlap still runs.
 */
export function clientView(
  client: Client,
  clients: Pick<ClientsService, 'inOverlap'>,
): Record<string, unknown> {
  const { lifespans, pre_configured_consent_duration, ...metadata } = client.metadata;
  return {
    client_id: client.clientId,
    ...metadata,
    ...(pre_configured_consent_duration !== undefined && {
      pre_configured_consent_duration: seconds(pre_configured_consent_duration),
    }),
    lifespans: Object.fromEntries(
      Object.entries(lifespans).map(([name, ms]) => [name, seconds(ms)]),
    ),
    origin: client.origin,
    has_secret: client.secretDigest !== null,
    ...(client.previousSecretExpiresAt &&
      clients.inOverlap(client) && {
        previous_secret_expires_at: client.previousSecretExpiresAt.toISOString(),
      }),
    created_at: client.createdAt.toISOString(),
    updated_at: client.updatedAt.toISOString(),
  };
}

/** Whole seconds, or the duration text when it is not a whole number of seconds (`1500ms`). */
const seconds = (ms: number): number | string => (ms % 1000 === 0 ? ms / 1000 : formatDuration(ms));
