/**
 * What an authentication says about itself in ID tokens and sessions.
 *
 * `amr` (OpenID Connect Core §2) takes the values of RFC 8176: `pwd` for a password, `otp` for
 * a one-time password, `mfa` when more than one factor was used.
 *
 * `acr` takes two values named after Authelia's `authorization_policy` levels, so a client's
 * policy and the level it asks for (`acr_values`) read the same:
 * - `one_factor`: one factor (a password);
 * - `two_factor`: two factors of different kinds (a password and a one-time password).
 */
export const ACR = { oneFactor: 'one_factor', twoFactor: 'two_factor' } as const;
export type Acr = (typeof ACR)[keyof typeof ACR];
export const ACR_VALUES: readonly Acr[] = [ACR.oneFactor, ACR.twoFactor];

/** A factor the user presented successfully. */
export type Factor = 'password' | 'totp';

const AMR_OF: Record<Factor, string> = { password: 'pwd', totp: 'otp' };

/** `amr` and `acr` for the factors of one authentication (order and repeats do not matter). */
export function authenticationContext(factors: readonly Factor[]): { amr: string[]; acr: Acr } {
  const distinct = (['password', 'totp'] as const).filter((f) => factors.includes(f));
  const amr = distinct.map((f) => AMR_OF[f]);
  if (distinct.length >= 2) amr.push('mfa');
  return { amr, acr: distinct.length >= 2 ? ACR.twoFactor : ACR.oneFactor };
}
