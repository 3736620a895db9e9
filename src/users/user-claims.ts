import type { User } from './user.entity.js';

/** OpenID Connect Core §5.1.1. */
export interface AddressClaim {
  formatted?: string;
  street_address?: string;
  locality?: string;
  region?: string;
  postal_code?: string;
  country?: string;
}

/** The standard claims of OpenID Connect Core §5.1 that a user record holds (not `sub`). */
export interface ProfileClaims {
  name?: string;
  given_name?: string;
  family_name?: string;
  middle_name?: string;
  nickname?: string;
  profile?: string;
  picture?: string;
  website?: string;
  gender?: string;
  birthdate?: string;
  zoneinfo?: string;
  locale?: string;
  email?: string;
  email_verified?: boolean;
  phone_number?: string;
  phone_number_verified?: boolean;
  address?: AddressClaim;
}

/** Core §5.4: the claims each scope asks for; `groups` as Authelia names it. */
export const SCOPE_CLAIMS: Record<string, readonly string[]> = {
  profile: [
    'name',
    'family_name',
    'given_name',
    'middle_name',
    'nickname',
    'preferred_username',
    'profile',
    'picture',
    'website',
    'gender',
    'birthdate',
    'zoneinfo',
    'locale',
    'updated_at',
  ],
  email: ['email', 'email_verified'],
  address: ['address'],
  phone: ['phone_number', 'phone_number_verified'],
  groups: ['groups'],
};

/** Every claim a user can have, for discovery's `claims_supported`. */
export const SUPPORTED_CLAIMS = ['sub', ...new Set(Object.values(SCOPE_CLAIMS).flat())];

/** All of a user's claims by name, derived ones included; absent ones are left out. */
export function userClaims(user: User): Record<string, unknown> {
  const claims: Record<string, unknown> = {
    ...user.claims,
    preferred_username: user.username,
    updated_at: Math.floor(user.updatedAt.getTime() / 1000),
    groups: user.groups,
  };
  return Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
}

/** The claims the given names select, from what the user has. */
export function selectClaims(
  all: Record<string, unknown>,
  names: Iterable<string>,
): Record<string, unknown> {
  const selected: Record<string, unknown> = {};
  for (const name of names) if (all[name] !== undefined) selected[name] = all[name];
  return selected;
}

/** The claim names the granted scopes release (Core §5.4). */
export function claimsForScopes(scopes: Iterable<string>): Set<string> {
  const names = new Set<string>();
  for (const scope of scopes) for (const name of SCOPE_CLAIMS[scope] ?? []) names.add(name);
  return names;
}
