import { defineSettings, duration, integer } from '../config/settings.js';

/** How the tables that only grow (refresh tokens, consents, sessions, deliveries) are pruned. */
export const pruningSettings = defineSettings({
  id: 'pruning',
  title: 'Pruning',
  settings: {
    PRUNING_INTERVAL: duration({
      default: '10m',
      description:
        'How often the pruning jobs run. Each table has its own job; one instance at a time runs each (a Postgres advisory lock), the others skip their turn.',
      summary: 'How often the pruning jobs delete rows that are past their use.',
      checks: 'A duration of at least 1s.',
    }),
    PRUNING_RETENTION: duration({
      default: '7d',
      description:
        'How long a row is kept after it stopped mattering, for investigations: a refresh token after it expired, its family ended or it was revoked (and the access token issued with it expired); a consent after it expired; a back-channel delivery after it was queued. Expired and idle sessions are deleted at once, as before.',
      summary: 'How long expired, revoked or finished rows are kept before pruning deletes them.',
      checks: 'A duration of at least 0s.',
    }),
    PRUNING_BATCH_SIZE: integer({
      min: 1,
      max: 100_000,
      default: 1000,
      description:
        'Rows one statement deletes; a pass deletes batches until none is left or 100 batches have run, so a large backlog never holds locks for long.',
      summary: 'Rows deleted per statement by the pruning jobs.',
      checks: 'Integer 1–100000.',
    }),
  },
  *check(v) {
    if (v.PRUNING_INTERVAL < 1_000) yield 'PRUNING_INTERVAL: must be at least 1s';
  },
  config: (v) => ({
    pruning: {
      interval: v.PRUNING_INTERVAL,
      retention: v.PRUNING_RETENTION,
      batchSize: v.PRUNING_BATCH_SIZE,
    },
  }),
});
