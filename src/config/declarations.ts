import { adminSettings } from '../admin/admin.settings.js';
import { authorizationSettings } from '../authorization/authorization.settings.js';
import { cacheSettings } from '../cache/cache.settings.js';
import { clientAuthSettings } from '../clients/auth/client-auth.settings.js';
import { clientsSettings } from '../clients/clients.settings.js';
import { databaseSettings } from '../database/database.settings.js';
import { pruningSettings } from '../database/pruning.settings.js';
import { rateLimitSettings } from '../rate-limits/rate-limits.settings.js';
import { metricsSettings } from '../metrics/metrics.settings.js';
import { auditSettings } from '../audit/audit.settings.js';
import { demoSettings } from '../demo/demo.settings.js';
import { pagesSettings } from '../interaction/pages.settings.js';
import { keysSettings } from '../keys/keys.settings.js';
import { resourcesSettings } from '../resources/resources.settings.js';
import { registrationSettings } from '../registration/registration.settings.js';
import { backchannelLogoutSettings, sessionSettings } from '../sessions/sessions.settings.js';
import { dpopSettings } from '../token/dpop.settings.js';
import { tokenSettings } from '../token/token.settings.js';
import { regulationSettings, totpSettings, usersSettings } from '../users/users.settings.js';
import { serverSettings } from './server.settings.js';
import { composeSettings, type ValuesOf } from './settings.js';

/**
 * Every module's settings, in the order .env.example lists them and format errors are
 * reported. A new module's settings are added here once; a new setting of a module only in
 * its own `*.settings.ts`.
 */
export const SETTINGS = composeSettings([
  serverSettings,
  databaseSettings,
  pruningSettings,
  metricsSettings,
  auditSettings,
  cacheSettings,
  demoSettings,
  clientsSettings,
  resourcesSettings,
  usersSettings,
  registrationSettings,
  adminSettings,
  keysSettings,
  tokenSettings,
  dpopSettings,
  authorizationSettings,
  sessionSettings,
  backchannelLogoutSettings,
  regulationSettings,
  clientAuthSettings,
  rateLimitSettings,
  totpSettings,
  pagesSettings,
]);

type Group = (typeof SETTINGS)[number];
type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (
  u: infer I,
) => void
  ? I
  : never;

/** The typed value of every variable the provider reads. */
export type EnvironmentVariables = UnionToIntersection<
  Group extends infer G ? (G extends { settings: infer S } ? ValuesOf<S> : never) : never
>;

/** The `AppConfig` members the groups fill. */
export type DeclaredSections = UnionToIntersection<
  Group extends infer G ? (G extends { config(...args: never[]): infer C } ? C : never) : never
>;
