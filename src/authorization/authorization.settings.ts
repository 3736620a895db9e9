import { defineSettings, duration, flag, integer, oneOf } from '../config/settings.js';

/**
 * What an authorization request may be, after Authelia's names; with them the interaction's
 * lifespan and the default for scope claims in ID tokens, which `AppConfig.authorization`
 * carries too.
 */
export const authorizationSettings = defineSettings({
  id: 'authorization',
  title: "Authorization requests (Authelia's names)",
  settings: {
    ENFORCE_PKCE: oneOf(['never', 'public_clients_only', 'always'], {
      default: 'public_clients_only',
      message: 'ENFORCE_PKCE must be one of never, public_clients_only, always',
      description:
        "Which clients must send a PKCE `code_challenge` in the code flow (Authelia's `enforce_pkce`). A client's own `enforce_pkce` or `pkce_challenge_method` can only make it stricter.",
      summary: 'PKCE required for: never, public_clients_only or always.',
    }),
    ENABLE_PKCE_PLAIN_CHALLENGE: flag({
      default: 'false',
      description:
        "Accept the `plain` PKCE method (Authelia's `enable_pkce_plain_challenge`); a client pinned to `S256` still refuses it. `S256` is always accepted.",
    }),
    MINIMUM_PARAMETER_ENTROPY: integer({
      min: 0,
      max: 64,
      default: 8,
      description:
        "The least length of `state` and `nonce` when a client sends them (Authelia's `minimum_parameter_entropy`). `0`: off. OpenIDConnect.jl always sends a 10-character `state`: above 10 it cannot sign in.",
      summary: 'The least length of state and nonce; 0 turns the check off.',
    }),
    INTERACTION_LIFESPAN: duration({
      default: '10m',
      description:
        'How long a sign-in in progress (login, second factor, consent) may take before it must start again.',
      checks: 'A positive duration.',
    }),
    PUSHED_AUTHORIZATIONS_ENFORCE: flag({
      default: 'false',
      description:
        "Every client must push its authorization requests to `/par` first (RFC 9126; Authelia's `pushed_authorizations.enforce`); a client's own `require_pushed_authorization_requests` requires it of that client alone.",
      summary: 'Require pushed authorization requests (RFC 9126) of every client.',
    }),
    PUSHED_AUTHORIZATIONS_CONTEXT_LIFESPAN: duration({
      default: '5m',
      description:
        "How long the `request_uri` of a pushed authorization request may be used at `/authorize` (once) (Authelia's `pushed_authorizations.context_lifespan`).",
      summary: 'How long a pushed request may wait for the browser (10s to 10m).',
      checks: 'A duration, `10s`–`10m`.',
    }),
    DEVICE_CODE_LIFESPAN: duration({
      default: '10m',
      description:
        'How long a device authorization (RFC 8628) waits for its user: the device code and the user code expire together.',
      summary: 'How long a device authorization waits for its user (1m to 30m).',
      checks: 'A duration, `1m`–`30m`.',
    }),
    DEVICE_CODE_POLLING_INTERVAL: duration({
      default: '5s',
      description:
        'The least time between two polls of a device at `/token` (RFC 8628 §3.5); a device polling faster is told `slow_down`.',
      summary: 'The least time between two polls of a device (1s to 60s).',
      checks: 'A duration, `1s`–`60s`, in whole seconds.',
    }),
    ID_TOKEN_SCOPE_CLAIMS: flag({
      default: 'true',
      description:
        'Put the claims of the granted scopes (`profile`, `email`, ...) in ID tokens as well as in UserInfo (Core §5.4), as clients that never call UserInfo need. The default for clients that do not set `id_token_scope_claims` themselves.',
      summary: 'Scope claims in ID tokens as well as UserInfo.',
    }),
  },
  *check(v) {
    const lifespan = v.PUSHED_AUTHORIZATIONS_CONTEXT_LIFESPAN;
    if (lifespan < 10_000 || lifespan > 600_000)
      yield 'PUSHED_AUTHORIZATIONS_CONTEXT_LIFESPAN must be from 10s to 10m';
    if (v.DEVICE_CODE_LIFESPAN < 60_000 || v.DEVICE_CODE_LIFESPAN > 1_800_000)
      yield 'DEVICE_CODE_LIFESPAN must be from 1m to 30m';
    const interval = v.DEVICE_CODE_POLLING_INTERVAL;
    if (interval < 1000 || interval > 60_000 || interval % 1000 !== 0)
      yield 'DEVICE_CODE_POLLING_INTERVAL must be whole seconds from 1s to 60s';
  },
  config: (v) => ({
    authorization: {
      enforcePkce: v.ENFORCE_PKCE,
      allowPlainPkce: v.ENABLE_PKCE_PLAIN_CHALLENGE,
      minimumParameterEntropy: v.MINIMUM_PARAMETER_ENTROPY,
      interactionLifespan: v.INTERACTION_LIFESPAN,
      idTokenScopeClaims: v.ID_TOKEN_SCOPE_CLAIMS,
      requirePushedRequests: v.PUSHED_AUTHORIZATIONS_ENFORCE,
      pushedRequestLifespan: v.PUSHED_AUTHORIZATIONS_CONTEXT_LIFESPAN,
      deviceCodeLifespan: v.DEVICE_CODE_LIFESPAN,
      devicePollingInterval: v.DEVICE_CODE_POLLING_INTERVAL,
    },
  }),
});
