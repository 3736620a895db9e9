import { defineSettings, duration, flag } from '../config/settings.js';

/** RFC 9449 DPoP proofs: how old a proof may be, and whether the server asks for nonces. */
export const dpopSettings = defineSettings({
  id: 'dpop',
  title: 'DPoP (RFC 9449)',
  settings: {
    DPOP_PROOF_WINDOW: duration({
      default: '60s',
      description:
        "How far a DPoP proof's `iat` may be from the provider's clock, either way (RFC 9449 §11.1). Each proof's `jti` is remembered twice this long, on every instance.",
      checks: 'A positive duration, at most `10m`.',
    }),
    DPOP_NONCE: flag({
      default: 'false',
      description:
        'Require a server nonce in DPoP proofs (RFC 9449 §8, §9): a proof without the current one is answered `use_dpop_nonce` with a `DPoP-Nonce` header, which client libraries retry with. Nonces change every 5 minutes and are the same on every instance (derived from `KEYS_ENCRYPTION_SECRET`); this bounds how long a proof made ahead of time stays usable.',
    }),
  },
  *check(v) {
    if (v.DPOP_PROOF_WINDOW <= 0) yield 'DPOP_PROOF_WINDOW must be longer than 0';
    if (v.DPOP_PROOF_WINDOW > 600_000) yield 'DPOP_PROOF_WINDOW must be at most 10m';
  },
  config: (v) => ({ dpop: { proofWindow: v.DPOP_PROOF_WINDOW, nonce: v.DPOP_NONCE } }),
});
