import { SigningKeys1764000000000 } from './1764000000000-signing-keys.js';
import { Clients1764000000001 } from './1764000000001-clients.js';
import { Users1764000000002 } from './1764000000002-users.js';
import { Sessions1764000000003 } from './1764000000003-sessions.js';
import { Consents1764000000010 } from './1764000000010-consents.js';
import { DemoClientOrigin1764000000011 } from './1764000000011-demo-client-origin.js';
import { RefreshTokens1764000000020 } from './1764000000020-refresh-tokens.js';
import { BackchannelDeliveries1764000000021 } from './1764000000021-backchannel-deliveries.js';
import { RefreshTokensBySession1764000000022 } from './1764000000022-refresh-tokens-by-session.js';
import { RefreshTokenParents1764000000023 } from './1764000000023-refresh-token-parents.js';
import { UsersRehashedFrom1764000000024 } from './1764000000024-users-rehashed-from.js';
import { SessionCookieDigest1764000000025 } from './1764000000025-session-cookie-digest.js';
import { ClientIntrospectionPolicy1764000000026 } from './1764000000026-client-introspection-policy.js';
import { RefreshTokenDpop1764000000027 } from './1764000000027-refresh-token-dpop.js';
import { ResourceServers1764000000028 } from './1764000000028-resource-servers.js';
import { PruningIndexes1764000000029 } from './1764000000029-pruning-indexes.js';
import { AccessTokenDenials1764000000030 } from './1764000000030-access-token-denials.js';
import { AuditEvents1764000000031 } from './1764000000031-audit-events.js';

/** Migrations in order; listed explicitly so the build needs no file globbing at run time. */
export const MIGRATIONS = [
  SigningKeys1764000000000,
  Clients1764000000001,
  Users1764000000002,
  Sessions1764000000003,
  Consents1764000000010,
  DemoClientOrigin1764000000011,
  RefreshTokens1764000000020,
  BackchannelDeliveries1764000000021,
  RefreshTokensBySession1764000000022,
  RefreshTokenParents1764000000023,
  UsersRehashedFrom1764000000024,
  SessionCookieDigest1764000000025,
  ClientIntrospectionPolicy1764000000026,
  RefreshTokenDpop1764000000027,
  ResourceServers1764000000028,
  PruningIndexes1764000000029,
  AccessTokenDenials1764000000030,
  AuditEvents1764000000031,
];
