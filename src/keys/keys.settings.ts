import { cron, defineSettings, duration, list, oneOf, text } from '../config/settings.js';
import { DEVELOPMENT_KEYS_ENCRYPTION_SECRET } from '../config/secrets.js';

/** Algorithms the provider can sign with (RFC 7518 §3.1, RFC 8037). */
export const SUPPORTED_SIGNING_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;
export type SigningAlg = (typeof SUPPORTED_SIGNING_ALGS)[number];

/**
 * Signing keys: which algorithms, and the rotation job's schedule and periods. The production
 * rules for KEYS_ENCRYPTION_SECRET are `loadConfig`'s, and so is the check that retired keys
 * outlive the tokens (KEY_RETENTION_PERIOD against the token lifespans).
 */
export const keysSettings = defineSettings({
  id: 'keys',
  title: 'Signing keys',
  settings: {
    KEYS_ENCRYPTION_SECRET: text({
      secret: true,
      description:
        'Secret from which the key that encrypts private signing keys at rest (AES-256-GCM, via HKDF-SHA256) is derived. Generate one with `openssl rand -base64 48`.',
      summary:
        'Encrypts private signing keys at rest (AES-256-GCM). At least 32 characters; required in production. Generate one: openssl rand -base64 48. Keep it stable: keys stored under one secret cannot be read with another.',
      checks:
        'At least 32 characters whenever set. Required in production, and refused there if it looks like a placeholder.',
      shownDefault: 'unset (a fixed development value outside production)',
    }),
    SIGNING_ALGS: list({
      of: SUPPORTED_SIGNING_ALGS,
      default: 'RS256,ES256',
      description:
        'Algorithms the provider keeps keys for and may sign with. Published as `id_token_signing_alg_values_supported`, in this order.',
      summary: 'Comma-separated from RS256, PS256, ES256, EdDSA. RS256 is always added.',
      checks:
        'Comma-separated list of `RS256`, `PS256`, `ES256`, `EdDSA`; spaces around entries and duplicates are ignored. `RS256` is always added (first) if missing, as OpenID Connect Core §15.1 requires, with a warning.',
    }),
    RSA_KEY_BITS: oneOf([2048, 3072, 4096], {
      default: 2048,
      message: 'RSA_KEY_BITS must be 2048, 3072 or 4096',
      description:
        'Modulus size of generated RSA keys (`RS256`, `PS256`). Imported RSA keys need at least 2048 bits.',
      summary: 'Size of generated RSA keys (RS256, PS256): 2048, 3072 or 4096.',
    }),
    KEY_ROTATION_CRON: cron({
      default: '*/5 * * * *',
      description:
        'When the rotation job runs. Each run only acts when something is due, so this is how often keys are checked, not how often they change. Process time zone (UTC in the Docker image).',
      summary:
        'When the rotation job checks the keys (cron, 5 or 6 fields). It rotates only when a key is due.',
    }),
    KEY_ROTATION_PERIOD: duration({
      default: '30d',
      description: 'How long a key signs before the `next` key takes over.',
      summary: 'How long a key signs before the next one takes over.',
      checks: 'A duration, longer than `KEY_PREPUBLISH_PERIOD`.',
    }),
    KEY_PREPUBLISH_PERIOD: duration({
      default: '1d',
      description:
        'The least time a new key is published in the JWKS before it may sign, so that relying parties holding a cached JWKS never meet an unknown `kid`. Also sets the JWKS cache lifetime (below).',
      summary:
        'Minimum time a new key is published in the JWKS before it may sign. Shorter than KEY_ROTATION_PERIOD.',
      checks: 'A duration, shorter than `KEY_ROTATION_PERIOD`.',
    }),
    KEY_RETENTION_PERIOD: duration({
      default: '1d',
      description:
        'How long a retired key stays in the JWKS, so tokens it signed can still be verified.',
      summary:
        'How long a retired key stays in the JWKS. At least ACCESS_TOKEN_LIFESPAN and ID_TOKEN_LIFESPAN.',
      checks:
        'A duration, at least as long as both `ACCESS_TOKEN_LIFESPAN` and `ID_TOKEN_LIFESPAN`.',
    }),
    KEY_RELOAD_INTERVAL: duration({
      default: '1m',
      description:
        'How often each instance re-reads the keys from Postgres, in case it missed a change notice on Redis.',
      summary:
        'How often each instance re-reads the keys, in case it missed a change notice (at least 1s).',
      checks: 'A duration, at least `1s`.',
    }),
  },
  *check(v) {
    if (v.KEY_PREPUBLISH_PERIOD >= v.KEY_ROTATION_PERIOD) {
      yield 'KEY_PREPUBLISH_PERIOD must be shorter than KEY_ROTATION_PERIOD';
    }
    if (v.KEY_RELOAD_INTERVAL < 1000) yield 'KEY_RELOAD_INTERVAL must be at least 1s';
  },
  config: (v, context) => {
    const algorithms = [...new Set(v.SIGNING_ALGS)];
    if (!algorithms.includes('RS256')) {
      // OpenID Connect Core §15.1: RS256 must be supported for ID tokens.
      algorithms.unshift('RS256');
      context.warn(
        'SIGNING_ALGS did not include RS256, which OpenID Connect requires; it was added',
      );
    }
    return {
      keys: {
        // The production rules refuse a missing secret; elsewhere the development one serves.
        encryptionSecret: v.KEYS_ENCRYPTION_SECRET ?? DEVELOPMENT_KEYS_ENCRYPTION_SECRET,
        algorithms,
        rsaModulusLength: v.RSA_KEY_BITS,
        rotationCron: v.KEY_ROTATION_CRON,
        rotationPeriod: v.KEY_ROTATION_PERIOD,
        prepublishPeriod: v.KEY_PREPUBLISH_PERIOD,
        retentionPeriod: v.KEY_RETENTION_PERIOD,
        reloadInterval: v.KEY_RELOAD_INTERVAL,
      },
    };
  },
});
