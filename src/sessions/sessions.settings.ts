import { defineSettings, duration, integer, text } from '../config/settings.js';

/** Browser login sessions, after Authelia's `session` section (sessions.service.ts). */
export const sessionSettings = defineSettings({
  id: 'session',
  title: "Sessions (Authelia's session section)",
  settings: {
    SESSION_COOKIE_NAME: text({
      default: 'op_session',
      pattern: /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/,
      message: "SESSION_COOKIE_NAME must be 1 to 64 letters, digits or !#$%&'*+-.^_`|~ (RFC 6265)",
      description: 'Name of the session cookie.',
      summary:
        'Name of the login session cookie (an RFC 6265 token; __Host- needs an https ISSUER, no path).',
      checks:
        '1–64 characters of an RFC 6265 token. A `__Host-` name needs an https `ISSUER` without a path; a `__Secure-` name an https `ISSUER`.',
    }),
    SESSION_EXPIRATION: duration({
      default: '1h',
      description:
        "The absolute lifetime of a session from its login (a new login with `prompt=login` starts it again). Authelia's `session.expiration`.",
      summary: 'Absolute lifetime of a login session.',
      checks: 'A duration, at least `1s`.',
    }),
    SESSION_INACTIVITY: duration({
      default: '5m',
      description:
        "A session not used for this long ends. Authelia's `session.inactivity`. `0`: no idle timeout. Use is recorded at most once a minute (more often when this is under 5 minutes), so a session may end up to that much early.",
      summary: 'A session unused for this long ends; 0: no idle timeout.',
    }),
    SESSION_REMEMBER_ME: duration({
      default: '30d',
      description:
        'The lifetime of a session whose user ticked "Keep me signed in on this device" on the login page; such a session has no idle timeout. Unticked (the default), a session lasts `SESSION_EXPIRATION`. Authelia\'s `session.remember_me` (whose default is `1M`; durations here have no month). `0`: the box is not shown.',
      summary:
        'Lifetime of a "remember me" session (no idle timeout); longer than SESSION_EXPIRATION, 0: off.',
      checks: 'A duration, longer than `SESSION_EXPIRATION`, or `0`.',
    }),
  },
  *check(v, context) {
    if (v.SESSION_EXPIRATION < 1000) yield 'SESSION_EXPIRATION must be at least 1s';
    if (v.SESSION_REMEMBER_ME !== 0 && v.SESSION_REMEMBER_ME <= v.SESSION_EXPIRATION) {
      yield 'SESSION_REMEMBER_ME must be longer than SESSION_EXPIRATION, or 0 to turn it off';
    }
    // RFC 6265bis §4.1.3: the browser drops __Secure- cookies without Secure, and __Host- ones
    // without Secure or with a Path other than /.
    const issuer = new URL(context.issuer);
    const https = issuer.protocol === 'https:';
    const bareOrigin = issuer.pathname.replace(/\/+$/, '') === '';
    if (/^__host-/i.test(v.SESSION_COOKIE_NAME) && !(https && bareOrigin)) {
      yield 'SESSION_COOKIE_NAME with the __Host- prefix needs an https ISSUER without a path';
    } else if (/^__secure-/i.test(v.SESSION_COOKIE_NAME) && !https) {
      yield 'SESSION_COOKIE_NAME with the __Secure- prefix needs an https ISSUER';
    }
  },
  config: (v) => ({
    session: {
      cookieName: v.SESSION_COOKIE_NAME,
      expiration: v.SESSION_EXPIRATION,
      inactivity: v.SESSION_INACTIVITY,
      rememberMe: v.SESSION_REMEMBER_ME,
    },
  }),
});

/** Back-Channel Logout 1.0 deliveries (backchannel-logout.ts). */
export const backchannelLogoutSettings = defineSettings({
  id: 'backchannel-logout',
  title: 'Back-Channel Logout 1.0',
  settings: {
    BACKCHANNEL_LOGOUT_TIMEOUT: duration({
      default: '5s',
      description:
        'How long one POST of a logout token may take, connection included; a slower client counts as failed and is retried.',
      summary: 'How long one logout-token POST to a client may take (100ms-1m).',
      checks: 'A duration from `100ms` to `1m`.',
    }),
    BACKCHANNEL_LOGOUT_MAX_ATTEMPTS: integer({
      min: 1,
      max: 20,
      default: 6,
      description: 'Attempts per client and session before the delivery is given up (and logged).',
      summary: 'Attempts per client before the delivery is given up and logged (1-20).',
      checks: '1 to 20.',
    }),
    BACKCHANNEL_LOGOUT_RETRY_DELAY: duration({
      default: '10s',
      description:
        'The wait before the first retry; the later ones wait 3, 12, 60 and 360 times as long (10 s, 30 s, 2 min, 10 min, 1 h by default).',
      summary: 'Delay before the first retry; later retries wait 3, 12, 60 and 360 times as long.',
      checks: 'A duration, at least `100ms`.',
    }),
  },
  *check(v) {
    if (v.BACKCHANNEL_LOGOUT_TIMEOUT < 100 || v.BACKCHANNEL_LOGOUT_TIMEOUT > 60_000) {
      yield 'BACKCHANNEL_LOGOUT_TIMEOUT must be from 100ms to 1m';
    }
    if (v.BACKCHANNEL_LOGOUT_RETRY_DELAY < 100) {
      yield 'BACKCHANNEL_LOGOUT_RETRY_DELAY must be at least 100ms';
    }
  },
  config: (v) => ({
    backchannelLogout: {
      timeout: v.BACKCHANNEL_LOGOUT_TIMEOUT,
      maxAttempts: v.BACKCHANNEL_LOGOUT_MAX_ATTEMPTS,
      retryDelay: v.BACKCHANNEL_LOGOUT_RETRY_DELAY,
    },
  }),
});
