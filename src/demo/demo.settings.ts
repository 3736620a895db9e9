import { defineSettings, oneOf } from '../config/settings.js';

/** The demo user and client for trying the sign-in flow (demo-seed.ts). */
export const demoSettings = defineSettings({
  id: 'demo',
  title: 'Demo user and client',
  settings: {
    DEMO_SEED: oneOf(['auto', 'off'], {
      default: 'auto',
      message: 'DEMO_SEED must be auto or off',
      description:
        '`auto`: on the embedded default (no `DATABASE_URL`) and outside production, seed at boot the demo user `demo` (password `demo-password`) and the demo client `demo-rp` (secret `demo-rp-secret-for-local-development-only`, redirect URIs `http://localhost:3000/callback` and `http://127.0.0.1:3000/callback`) that `npm run example:rp` uses, and log how to try them. `off`: never. Their credentials are public, so they are never seeded with `DATABASE_URL` or in production, whatever this says. A user or client of the same name made another way is left alone (with a warning).',
      summary:
        'auto | off. auto: on the embedded default (DATABASE_URL empty) outside production, seed the demo user (demo / demo-password) and demo client (demo-rp) for `npm run example:rp`. Never seeded with DATABASE_URL or in production.',
    }),
  },
  config: (v, context) => ({
    // Never on real services or in production: the demo's credentials are published.
    demoSeed: v.DEMO_SEED === 'auto' && !context.production && context.embeddedDatabase,
  }),
});
