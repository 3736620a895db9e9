import { defineSettings, duration } from '../config/settings.js';

export const auditSettings = defineSettings({
  id: 'audit',
  title: 'Audit events',
  settings: {
    AUDIT_RETENTION: duration({
      default: '90d',
      description:
        'How long audit events (sign-ins, sign-outs, consents, refresh-token reuse, admin actions, key changes) are kept in Postgres; older ones are deleted by the pruning job every PRUNING_INTERVAL.',
      summary: 'How long audit events are kept before pruning deletes them.',
      checks: 'A duration of at least 1h.',
    }),
  },
  *check(v) {
    if (v.AUDIT_RETENTION < 3_600_000) yield 'AUDIT_RETENTION: must be at least 1h';
  },
  config: (v) => ({ audit: { retention: v.AUDIT_RETENTION } }),
});
