import { defineSettings, text } from '../config/settings.js';
import { looksLikePlaceholder, MIN_SECRET_LENGTH } from '../config/secrets.js';

/** The client bootstrapped at boot to call the admin API (admin-client.bootstrap.ts). */
export const adminSettings = defineSettings({
  id: 'admin',
  title: 'Admin API client',
  settings: {
    ADMIN_CLIENT_ID: text({
      pattern: /^[\x21-\x7e]{1,200}$/,
      message: 'ADMIN_CLIENT_ID must be 1 to 200 visible ASCII characters',
      description:
        'A confidential client (`client_credentials`, `client_secret_basic`, scope `admin`) created or updated at boot, to obtain tokens for the admin API under `/admin`.',
      summary:
        'A confidential client created or updated at boot with the admin scope, to call /admin/*. Set both or neither; the secret needs at least 32 characters.',
      checks: 'Set together with `ADMIN_CLIENT_SECRET`; 1–200 visible ASCII characters.',
    }),
    ADMIN_CLIENT_SECRET: text({
      secret: true,
      description: "The admin client's secret. Only its SHA-256 digest is stored.",
      checks: 'At least 32 characters; in production not a placeholder.',
    }),
  },
  *check(v, context) {
    if ((v.ADMIN_CLIENT_ID === undefined) !== (v.ADMIN_CLIENT_SECRET === undefined)) {
      yield 'ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET must be set together';
    } else if (v.ADMIN_CLIENT_SECRET !== undefined) {
      if (v.ADMIN_CLIENT_SECRET.length < MIN_SECRET_LENGTH) {
        yield `ADMIN_CLIENT_SECRET must be at least ${MIN_SECRET_LENGTH} characters`;
      } else if (context.production && looksLikePlaceholder(v.ADMIN_CLIENT_SECRET)) {
        yield 'ADMIN_CLIENT_SECRET looks like a placeholder; set a random value';
      }
    }
  },
  config: (v) => ({
    adminClient:
      v.ADMIN_CLIENT_ID && v.ADMIN_CLIENT_SECRET
        ? { clientId: v.ADMIN_CLIENT_ID, secret: v.ADMIN_CLIENT_SECRET }
        : undefined,
  }),
});
