import { defineSettings, duration, integer, list, oneOf } from '../config/settings.js';
import { MIN_SECRET_LENGTH } from '../config/secrets.js';

/** Dynamic client registration (RFC 7591) and management (RFC 7592): off by default. */
export const registrationSettings = defineSettings({
  id: 'registration',
  title: 'Dynamic client registration',
  settings: {
    REGISTRATION_MODE: oneOf(['open', 'initial_access_token', 'off'], {
      default: 'off',
      message: 'REGISTRATION_MODE must be one of open, initial_access_token, off',
      description:
        'Dynamic client registration (OpenID Connect DCR 1.0, RFC 7591) and management (RFC 7592). `open`: anyone may register. `initial_access_token`: a registration needs one of the tokens below as a bearer token. `off`: no endpoint.',
      summary: 'Dynamic client registration (RFC 7591 / 7592): off | open | initial_access_token.',
      checks:
        'One of `open`, `initial_access_token`, `off`. `registration_endpoint` is advertised only when it is not `off`.',
    }),
    REGISTRATION_INITIAL_ACCESS_TOKENS: list({
      secret: true,
      description: 'Comma-separated initial access tokens for `initial_access_token` mode.',
      summary:
        'Comma-separated bearer tokens (each at least 32 characters) that allow a registration when REGISTRATION_MODE is initial_access_token. Generate one: openssl rand -base64 32',
      checks: 'At least one when the mode needs them; each at least 32 characters.',
    }),
    REGISTRATION_ADDRESS_MAX: integer({
      min: 0,
      max: 1_000_000,
      default: 20,
      description:
        'In `open` mode, how many clients one client address (IPv6: per /64) may register within `REGISTRATION_ADDRESS_WINDOW`; past it, `429` with `Retry-After`. Requests refused for their metadata do not count. Behind a proxy, set `TRUST_PROXY`. `0`: no limit.',
      summary:
        'Open registrations one client address (IPv6: per /64) may make within the window; 0: no limit.',
    }),
    REGISTRATION_ADDRESS_WINDOW: duration({
      default: '1h',
      description: 'The window of that count.',
      checks: 'A duration of at least `1s`.',
    }),
  },
  *check(v) {
    const tokens = v.REGISTRATION_INITIAL_ACCESS_TOKENS ?? [];
    if (v.REGISTRATION_MODE === 'initial_access_token' && tokens.length === 0) {
      yield 'REGISTRATION_INITIAL_ACCESS_TOKENS must list at least one token when REGISTRATION_MODE is initial_access_token';
    }
    if (tokens.some((t) => t.length < MIN_SECRET_LENGTH)) {
      yield `Each REGISTRATION_INITIAL_ACCESS_TOKENS entry must be at least ${MIN_SECRET_LENGTH} characters`;
    }
    if (v.REGISTRATION_ADDRESS_WINDOW < 1000) {
      yield 'REGISTRATION_ADDRESS_WINDOW must be at least 1s';
    }
  },
  config: (v) => ({
    registration: {
      mode: v.REGISTRATION_MODE,
      initialAccessTokens: v.REGISTRATION_INITIAL_ACCESS_TOKENS ?? [],
      addressMax: v.REGISTRATION_ADDRESS_MAX,
      addressWindow: v.REGISTRATION_ADDRESS_WINDOW,
    },
  }),
});
