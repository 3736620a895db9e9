import type { User } from '../users/user.entity.js';

/**
 * What the admin API shows of a user: the standard claims at the top level, as they are sent,
 * and bookkeeping. Never a password digest or a TOTP secret: only whether there is one.
 */
export function userView(user: User): Record<string, unknown> {
  return {
    id: user.id,
    username: user.username,
    ...user.claims,
    groups: user.groups,
    disabled: user.disabled,
    has_password: user.passwordDigest !== null,
    has_totp: user.totpSecretEncrypted !== null,
    origin: user.origin,
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
  };
}
