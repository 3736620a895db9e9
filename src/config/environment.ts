import { SETTINGS, type EnvironmentVariables } from './declarations.js';

// Where these lived before settings were declared per module; kept for their importers.
export { SUPPORTED_SIGNING_ALGS, type SigningAlg } from '../keys/keys.settings.js';
export { TOTP_ALGORITHMS, type TotpAlgorithm } from '../users/users.settings.js';
export { ConfigurationError } from './settings.js';
export type { EnvironmentVariables };

/**
 * The name of every variable the provider reads, in declaration order. Each is declared by the
 * module that uses it (`src/<module>/*.settings.ts`, listed in declarations.ts), which is also
 * where `.env.example` and `docs/configuration.md` take their defaults and descriptions from.
 */
export function environmentVariableNames(): string[] {
  return SETTINGS.flatMap((group) => Object.keys(group.settings));
}
