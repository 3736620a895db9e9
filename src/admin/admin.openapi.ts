import { ApiProperty, ApiPropertyOptional, ApiQuery } from '@nestjs/swagger';

/** The query of every admin list; `admin-input.ts` `paging` checks it. */
export class PageQuery {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 200,
    default: 50,
    description: 'How many entries a page holds',
    example: 50,
  })
  limit?: number;

  @ApiPropertyOptional({
    maxLength: 200,
    description:
      'The `next` cursor of the previous page (its last username or client_id); absent for the first page',
    example: 'alice',
  })
  after?: string;
}

/** `limit` and `after` of every admin list, from PageQuery. */
export const ApiPageQuery = () => ApiQuery({ type: PageQuery });

/** A user as the admin API shows one (`user-view.ts`): never a password digest or TOTP secret. */
export class AdminUser {
  @ApiProperty({ format: 'uuid', example: '6f1c2f5e-3b7a-4c55-9f0e-2d8a1b7c9e41' })
  id!: string;

  @ApiProperty({ example: 'alice' })
  username!: string;

  @ApiPropertyOptional({
    description:
      'And the other standard claims the user has (OpenID Connect Core §5.1: given_name, email, email_verified, locale, …), at the top level',
    example: 'Alice Durand',
  })
  name?: string;

  @ApiProperty({ type: [String], example: ['staff', 'billing'] })
  groups!: string[];

  @ApiProperty({ example: false })
  disabled!: boolean;

  @ApiProperty({ description: 'Whether the user can sign in with a password', example: true })
  has_password!: boolean;

  @ApiProperty({ description: 'Whether a second factor (TOTP) is enrolled', example: false })
  has_totp!: boolean;

  @ApiProperty({
    enum: ['admin', 'seed', 'cli', 'demo'],
    description: 'Who made it: the admin API, the users file, the CLI or the demo seed',
    example: 'admin',
  })
  origin!: string;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ format: 'date-time' })
  updated_at!: string;
}

/** After `POST /admin/users/{id}/password`: a generated password is shown this once. */
export class AdminUserWithPassword extends AdminUser {
  @ApiPropertyOptional({
    description: 'Only when the provider generated the password (24 characters): shown once',
  })
  password?: string;
}

/** The body of `PUT /admin/users/{id}/totp`; `totpSecret` in the controller checks it. */
export class TotpSecretInput {
  @ApiPropertyOptional({
    minLength: 26,
    maxLength: 103,
    description:
      'Base32 (RFC 4648) of 128 to 512 bits, as authenticator apps show it; without it a 256-bit secret is generated and returned once',
    example: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
  })
  secret?: string;
}

/** After `PUT /admin/users/{id}/totp`: a generated secret is shown this once. */
export class AdminUserWithTotp extends AdminUser {
  @ApiPropertyOptional({
    description: 'Only when the provider generated the secret: base32, shown once',
    example: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSW',
  })
  totp_secret?: string;

  @ApiPropertyOptional({
    description: 'With a generated secret: the otpauth:// URI for an authenticator app',
    example: 'otpauth://totp/example.com:alice?secret=JBSW…&algorithm=SHA1&digits=6&period=30',
  })
  otpauth_uri?: string;
}

export class AdminUsersPage {
  @ApiProperty({ type: [AdminUser] })
  users!: AdminUser[];

  @ApiPropertyOptional({ description: 'The cursor of the next page; absent on the last page' })
  next?: string;
}

/**
 * A client as the admin API shows one (`client-view.ts`): its metadata (RFC 7591 §2 and the
 * provider's own settings, see docs/clients.md) with durations in seconds, and bookkeeping;
 * never a secret or its digest.
 */
export class AdminClient {
  @ApiProperty({ example: 'reports' })
  client_id!: string;

  @ApiProperty({ type: [String], example: ['https://reports.example.com/callback'] })
  redirect_uris!: string[];

  @ApiProperty({ type: [String], example: ['authorization_code', 'refresh_token'] })
  grant_types!: string[];

  @ApiProperty({ example: 'client_secret_basic' })
  token_endpoint_auth_method!: string;

  @ApiProperty({ example: 'openid email profile offline_access' })
  scope!: string;

  @ApiProperty({
    description: 'Lifetimes this client overrides, in seconds',
    example: { access_token: 900 },
  })
  lifespans!: Record<string, number | string>;

  @ApiProperty({
    enum: ['admin', 'registration', 'seed', 'demo'],
    description:
      'Who made it: the admin API, dynamic registration, the clients file or the demo seed',
    example: 'admin',
  })
  origin!: string;

  @ApiProperty({ example: true })
  has_secret!: boolean;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'While a rotated secret still works: when it stops',
  })
  previous_secret_expires_at?: string;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ format: 'date-time' })
  updated_at!: string;
}

/** After a create or a change that needs one: a generated secret is shown this once. */
export class AdminClientWithSecret extends AdminClient {
  @ApiPropertyOptional({
    description: 'Only when the provider generated a secret: shown once, stored as a digest',
  })
  client_secret?: string;
}

/** After `POST /admin/clients/{client_id}/secret`. */
/** The body of `POST /admin/clients/{id}/secret`; the controller checks it. */
export class SecretRotationInput {
  @ApiPropertyOptional({
    description:
      'How long the old secret keeps working (a duration or seconds, at most 30d), so the client can be redeployed without a failed request; 0 by default',
    example: '1h',
  })
  overlap?: string;
}

export class RotatedClientSecret {
  @ApiProperty({ example: 'reports' })
  client_id!: string;

  @ApiProperty({ description: 'The new secret: shown once, stored as a digest' })
  client_secret!: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'With an overlap: when the previous secret stops working',
  })
  previous_secret_expires_at?: string;
}

export class AdminClientsPage {
  @ApiProperty({ type: [AdminClient] })
  clients!: AdminClient[];

  @ApiPropertyOptional({ description: 'The cursor of the next page; absent on the last page' })
  next?: string;
}

/** A user's live session as the admin API lists it (`admin-sessions.controller.ts`). */
export class AdminSession {
  @ApiProperty({
    description: 'The session id relying parties see as `sid` (Back-Channel Logout)',
    example: 'q3Zb1kq0bq8fWJmQ8h1bX2kq0c7v6Jx3m1fQeY0ZcAo',
  })
  sid!: string;

  @ApiProperty({
    description: 'Seconds since the epoch of the last authentication',
    example: 1764860000,
  })
  auth_time!: number;

  @ApiProperty({ type: [String], description: 'RFC 8176 methods', example: ['pwd'] })
  amr!: string[];

  @ApiProperty({ enum: ['one_factor', 'two_factor'], example: 'one_factor' })
  acr!: string;

  @ApiProperty({
    type: [String],
    description: 'The clients signed in through it',
    example: ['reports'],
  })
  clients!: string[];

  @ApiProperty({ description: 'Whether the user chose "keep me signed in"', example: false })
  remember_me!: boolean;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ format: 'date-time' })
  last_seen_at!: string;

  @ApiProperty({ format: 'date-time' })
  expires_at!: string;
}

export class AdminSessions {
  @ApiProperty({ type: [AdminSession] })
  sessions!: AdminSession[];
}

/** A remembered consent as the admin API shows one. */
export class AdminConsent {
  @ApiProperty({ example: 'wiki' })
  client_id!: string;

  @ApiProperty({ type: [String], example: ['openid', 'email', 'offline_access'] })
  scopes!: string[];

  @ApiProperty({
    type: [String],
    description: 'Claims granted one by one (OpenID Connect Core §5.5)',
    example: [],
  })
  claims!: string[];

  @ApiProperty({ format: 'date-time', example: '2026-11-26T12:00:00.000Z' })
  granted_at!: string;

  @ApiProperty({ format: 'date-time', example: '2026-12-03T12:00:00.000Z' })
  expires_at!: string;
}

export class AdminConsents {
  @ApiProperty({ type: [AdminConsent] })
  consents!: AdminConsent[];
}
