import { resolve } from 'node:path';
import { defineSettings, duration, integer, oneOf, text } from '../config/settings.js';

/** HMAC algorithms of RFC 6238 TOTP; Authelia writes them in lower case, so both are accepted. */
export const TOTP_ALGORITHMS = ['SHA1', 'SHA256', 'SHA512'] as const;
export type TotpAlgorithm = (typeof TOTP_ALGORITHMS)[number];
const TOTP_ALGORITHMS_ACCEPTED = [
  ...TOTP_ALGORITHMS,
  ...TOTP_ALGORITHMS.map((a) => a.toLowerCase() as Lowercase<TotpAlgorithm>),
] as const;

/** Users from a file, upserted at boot (static-users.ts). */
export const usersSettings = defineSettings({
  id: 'users',
  title: 'Users file',
  settings: {
    USERS_FILE: text({
      description:
        "A YAML file of users in the shape of Authelia's file user database (`users:` → user name → `displayname`, `password` as an argon2id, bcrypt or `$pbkdf2-…` digest, `email` (taken as verified, as Authelia does), `groups`, `disabled`, and the other standard claims: `given_name`, `family_name`, `middle_name`, `nickname`, `gender`, `birthdate`, `website`, `profile`, `picture`, `zoneinfo`, `locale`, `phone_number` (+ `phone_extension`), `address`). Created or updated at every boot; an unchanged entry writes nothing. A digest other than the provider's argon2id is re-hashed to it at the user's next successful sign-in (so check times no longer tell imported accounts apart); the file's digest then no longer overwrites it at boot, until the file lists a different one.",
      summary:
        "A YAML file of users in the shape of Authelia's file user database (users: name: displayname, password digest, email, groups, ...), upserted at every boot. Passwords only as digests.",
      checks: 'A readable file; a bad entry stops start-up naming it.',
    }),
  },
  config: (v) => ({ usersFile: v.USERS_FILE === undefined ? undefined : resolve(v.USERS_FILE) }),
});

/** Failed logins, after Authelia's `regulation` section (login-regulation.ts). */
export const regulationSettings = defineSettings({
  id: 'regulation',
  title: "Login regulation (Authelia's regulation section)",
  settings: {
    REGULATION_MAX_RETRIES: integer({
      min: 0,
      max: 1000,
      default: 3,
      description:
        'After this many failed logins for one user name (without regard to case) within `REGULATION_FIND_TIME`, the name is banned for `REGULATION_BAN_TIME`: every login for it is refused, even with the right password. Counted separately for passwords and for one-time codes; a success resets its own count. Only wrong credentials count: a login that failed for a server reason (an outage) does not, and parallel logins with the right password are never refused for each other. `0`: off.',
      summary:
        'Failed logins for one user name within REGULATION_FIND_TIME before it is banned for REGULATION_BAN_TIME, right password or not. 0: off.',
    }),
    REGULATION_FIND_TIME: duration({
      default: '2m',
      description: 'The window over which failures are counted (it starts at the first failure).',
      summary: 'Window of the failure counts; not longer than REGULATION_BAN_TIME.',
      checks: 'A duration, at least `1s`, not longer than `REGULATION_BAN_TIME`.',
    }),
    REGULATION_BAN_TIME: duration({
      default: '5m',
      description: 'How long a ban lasts.',
      checks: 'A duration, at least `1s`.',
    }),
    REGULATION_ADDRESS_MAX_FAILURES: integer({
      min: 0,
      max: 1_000_000,
      default: 20,
      description:
        "After this many failed logins from one client address (any user names) within `REGULATION_FIND_TIME`, that address is banned for `REGULATION_BAN_TIME`. IPv6 addresses count per /64. Against password spraying; successful logins are not counted. `0`: off. The address is the TCP peer's, or behind a reverse proxy the client's as the proxy forwards it, once `TRUST_PROXY` names the proxy (without it every user shares the proxy's address).",
      summary:
        'Failed logins from one client address (IPv6: per /64) within REGULATION_FIND_TIME before the address is banned for REGULATION_BAN_TIME. 0: off. Behind a proxy, set TRUST_PROXY.',
    }),
  },
  *check(v) {
    if (v.REGULATION_MAX_RETRIES > 0 || v.REGULATION_ADDRESS_MAX_FAILURES > 0) {
      if (v.REGULATION_FIND_TIME < 1000) yield 'REGULATION_FIND_TIME must be at least 1s';
      if (v.REGULATION_BAN_TIME < 1000) yield 'REGULATION_BAN_TIME must be at least 1s';
      // As Authelia: failures are counted over find_time, so a shorter ban would end before them.
      if (v.REGULATION_FIND_TIME > v.REGULATION_BAN_TIME) {
        yield 'REGULATION_FIND_TIME must not be longer than REGULATION_BAN_TIME';
      }
    }
  },
  config: (v) => ({
    regulation: {
      maxRetries: v.REGULATION_MAX_RETRIES,
      findTime: v.REGULATION_FIND_TIME,
      banTime: v.REGULATION_BAN_TIME,
      addressMaxFailures: v.REGULATION_ADDRESS_MAX_FAILURES,
    },
  }),
});

/** RFC 6238 one-time passwords, after Authelia's `totp` section (totp.ts). */
export const totpSettings = defineSettings({
  id: 'totp',
  title: "One-time passwords, RFC 6238 (Authelia's totp section)",
  settings: {
    TOTP_ISSUER: text({
      pattern: /^[^:\p{Cc}]{1,100}$/u,
      message: 'TOTP_ISSUER must be 1 to 100 characters without a colon or control characters',
      description:
        "The issuer shown in authenticator apps (the `otpauth://` URI). Authelia's default is `Authelia`.",
      summary: 'Issuer shown in authenticator apps. Empty: the host name of ISSUER.',
      checks: '1–100 characters, no colon or control characters.',
      shownDefault: 'the host name of `ISSUER`',
    }),
    TOTP_ALGORITHM: oneOf(TOTP_ALGORITHMS_ACCEPTED, {
      default: 'SHA1',
      message: 'TOTP_ALGORITHM must be one of SHA1, SHA256, SHA512',
      description: 'HMAC algorithm. Most authenticator apps support only SHA1.',
      summary:
        'SHA1 | SHA256 | SHA512. Changing this, TOTP_DIGITS or TOTP_PERIOD invalidates enrolments.',
      checks: '`SHA1`, `SHA256` or `SHA512` (lower case accepted).',
    }),
    TOTP_DIGITS: oneOf([6, 8], {
      default: 6,
      message: 'TOTP_DIGITS must be 6 or 8',
      description: 'Digits per code.',
      summary: '6 or 8.',
    }),
    TOTP_PERIOD: integer({
      min: 15,
      max: 300,
      default: 30,
      description: 'Seconds per time step.',
      summary: 'Seconds per code (15-300).',
    }),
    TOTP_SKEW: integer({
      min: 0,
      max: 10,
      default: 1,
      description: 'Time steps accepted either side of the current one, for clock drift.',
      summary: 'Codes accepted either side of the current one, for clock drift (0-10).',
    }),
  },
  config: (v, context) => ({
    totp: {
      issuer: v.TOTP_ISSUER ?? new URL(context.issuer).hostname,
      algorithm: v.TOTP_ALGORITHM.toUpperCase() as TotpAlgorithm,
      digits: v.TOTP_DIGITS,
      period: v.TOTP_PERIOD,
      skew: v.TOTP_SKEW,
    },
  }),
});
