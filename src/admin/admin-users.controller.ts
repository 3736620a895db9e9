import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Logger,
  Param,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import { NoStore } from '../common/no-store.js';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  AdminUser,
  AdminUsersPage,
  AdminUserWithPassword,
  AdminUserWithTotp,
  ApiPageQuery,
  TotpSecretInput,
} from './admin.openapi.js';
import { Conflict, InvalidRequest, NotFound } from '../common/errors/oauth-error.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { AccessTokens, type AccessTokenClaims } from '../token/access-tokens.js';
import { BearerClaims, RequireScope } from '../token/bearer-auth.js';
import { generatePassword } from '../users/passwords.js';
import {
  base32Decode,
  base32Encode,
  generateTotpSecret,
  MAX_TOTP_SECRET_BYTES,
  MIN_TOTP_SECRET_BYTES,
  totpUri,
} from '../users/totp.js';
import {
  NewUserInput,
  PasswordInput,
  toRecord,
  UserUpdateInput,
  validateUserInput,
} from '../users/user-input.js';
import type { User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';
import { RefreshTokens } from '../token/refresh-tokens.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { ADMIN_RESOURCE_PATH, ADMIN_SCOPE } from './admin-client.bootstrap.js';
import { jsonObject, optionalJsonObject, paging } from './admin-input.js';
import { userView } from './user-view.js';

const EXAMPLE_USER = {
  username: 'alice',
  password: 'correct horse battery staple',
  name: 'Alice Martin',
  given_name: 'Alice',
  family_name: 'Martin',
  email: 'alice@example.com',
  email_verified: true,
  locale: 'fr-FR',
  zoneinfo: 'Europe/Paris',
  groups: ['staff', 'billing'],
};

/** PUT replaces the profile; the password has its own operation. */
const EXAMPLE_UPDATE = {
  username: 'alice',
  name: 'Alice Durand',
  given_name: 'Alice',
  family_name: 'Durand',
  email: 'alice.durand@example.com',
  email_verified: true,
  locale: 'fr-FR',
  zoneinfo: 'Europe/Paris',
  groups: ['staff', 'billing'],
};

@ApiTags('admin')
@Controller('admin/users')
@RequireScope(ADMIN_SCOPE, { audience: ADMIN_RESOURCE_PATH })
export class AdminUsersController {
  private readonly logger = new Logger('Admin');

  constructor(
    @Inject(UsersService) private readonly users: UsersService,
    @Inject(SessionsService) private readonly sessions: SessionsService,
    @Inject(RefreshTokens) private readonly refreshTokens: RefreshTokens,
    @Inject(AccessTokens) private readonly accessTokens: AccessTokens,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post()
  @HttpCode(201)
  @NoStore()
  @ApiOperation({
    summary: 'Create a user',
    description:
      'username (1–100 letters, digits or . _ @ + -, unique whatever its case), the standard claims of OpenID Connect Core §5.1, groups, and optionally password (8 to 1024 characters) or password_digest (argon2id, bcrypt, $pbkdf2-…) to import. Without either the user has no password login. disabled: true creates the account locked.',
  })
  @ApiCreatedResponse({ description: 'The user, as read', type: AdminUser })
  @ApiBody({
    type: NewUserInput,
    examples: { alice: { summary: 'A user with a password', value: EXAMPLE_USER } },
  })
  async create(
    @Body() body: unknown,
    @BearerClaims() admin: AccessTokenClaims,
  ): Promise<Record<string, unknown>> {
    const { password_digest, ...input } = jsonObject(body);
    const attributes = validateUserInput(NewUserInput, input, 'The body');
    if (
      password_digest !== undefined &&
      password_digest !== null &&
      (typeof password_digest !== 'string' || password_digest.length > 1024)
    ) {
      throw new InvalidRequest('password_digest must be a string');
    }
    const password = attributes.password ?? undefined;
    const passwordDigest = password_digest ?? undefined;
    if (password !== undefined && passwordDigest !== undefined) {
      throw new InvalidRequest('Send at most one of password and password_digest');
    }
    const user = await this.users.create({
      username: attributes.username,
      password,
      passwordDigest,
      ...toRecord(attributes),
      origin: 'admin',
    });
    this.logger.log(`User ${user.username} (${user.id}) created by ${admin.client_id}`);
    return userView(user);
  }

  @Get()
  @ApiOperation({ summary: 'List users, in username order (whatever the case), a page at a time' })
  @ApiPageQuery()
  @ApiOkResponse({ description: 'A page of users', type: AdminUsersPage })
  async list(
    @Query() query: Record<string, unknown>,
  ): Promise<{ users: unknown[]; next?: string }> {
    const page = await this.users.list(paging(query));
    return { users: page.users.map(userView), ...(page.next && { next: page.next }) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read a user (never a password digest or a TOTP secret)' })
  @ApiOkResponse({ description: 'The user', type: AdminUser })
  async read(@Param('id') id: string): Promise<Record<string, unknown>> {
    return userView(await this.existing(id));
  }

  @Put(':id')
  @ApiOperation({
    summary: 'Replace a user’s username, claims and groups',
    description:
      'Claims and groups left out are removed. The password, the TOTP secret and disabled are changed by their own operations; a user read and sent back unchanged stays unchanged.',
  })
  @ApiOkResponse({ description: 'The user, as read', type: AdminUser })
  @ApiBody({
    type: UserUpdateInput,
    examples: { renamed: { summary: 'A new family name and email', value: EXAMPLE_UPDATE } },
  })
  async update(
    @Param('id') id: string,
    @Body() body: unknown,
    @BearerClaims() admin: AccessTokenClaims,
  ): Promise<Record<string, unknown>> {
    const input = jsonObject(body);
    if (input.id !== undefined && input.id !== null && input.id !== id) {
      throw new InvalidRequest('id cannot be changed');
    }
    for (const field of ['password', 'password_digest']) {
      if (input[field] !== undefined && input[field] !== null) {
        throw new InvalidRequest(
          `${field} is not changed here: use POST /admin/users/{id}/password`,
        );
      }
    }
    const user = this.managedHere(await this.existing(id));
    const attributes = validateUserInput(UserUpdateInput, input, 'The body');
    const { claims, groups, disabled } = toRecord(attributes);
    if (disabled !== undefined && disabled !== null && disabled !== user.disabled) {
      throw new InvalidRequest(
        `disabled is not changed here: use POST /admin/users/{id}/${disabled ? 'disable' : 'enable'}`,
      );
    }
    const updated = await this.users.update(id, {
      claims,
      groups: groups ?? [],
      username: attributes.username ?? undefined,
    });
    if (!updated) throw notFound(id);
    this.logger.log(`User ${updated.username} (${id}) updated by ${admin.client_id}`);
    return userView(updated);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a user' })
  @ApiNoContentResponse({ description: 'Deleted, and signed out everywhere' })
  async delete(@Param('id') id: string, @BearerClaims() admin: AccessTokenClaims): Promise<void> {
    const user = this.managedHere(await this.existing(id));
    await this.signOutEverywhere(id);
    if (!(await this.users.delete(id))) throw notFound(id);
    this.logger.log(`User ${user.username} (${id}) deleted by ${admin.client_id}`);
  }

  @Post(':id/disable')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Disable a user: their password no longer signs them in and their sessions end',
  })
  @ApiOkResponse({ description: 'The user, now disabled', type: AdminUser })
  disable(
    @Param('id') id: string,
    @BearerClaims() admin: AccessTokenClaims,
  ): Promise<Record<string, unknown>> {
    return this.setDisabled(id, true, admin);
  }

  @Post(':id/enable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Enable a disabled user again' })
  @ApiOkResponse({ description: 'The user, enabled', type: AdminUser })
  enable(
    @Param('id') id: string,
    @BearerClaims() admin: AccessTokenClaims,
  ): Promise<Record<string, unknown>> {
    return this.setDisabled(id, false, admin);
  }

  @Post(':id/password')
  @HttpCode(200)
  @NoStore()
  @ApiOperation({
    summary: 'Set a user’s password',
    description:
      'Body (optional): { "password": "..." } (8 to 1024 characters). Without it a password of 24 characters is generated and returned once as password.',
  })
  @ApiBody({ type: PasswordInput, required: false })
  @ApiOkResponse({ description: 'The user', type: AdminUserWithPassword })
  async setPassword(
    @Param('id') id: string,
    @Body() body: unknown,
    @BearerClaims() admin: AccessTokenClaims,
  ): Promise<Record<string, unknown>> {
    const input = validateUserInput(PasswordInput, optionalJsonObject(body), 'The body');
    const user = this.managedHere(await this.existing(id));
    const password = input.password ?? generatePassword();
    const generated = input.password == null ? password : undefined;
    if (!(await this.users.setPassword(id, password))) throw notFound(id);
    this.logger.log(`Password of user ${user.username} (${id}) set by ${admin.client_id}`);
    return {
      ...userView(await this.existing(id)),
      ...(generated !== undefined && { password: generated }),
    };
  }

  @Put(':id/totp')
  @HttpCode(200)
  @NoStore()
  @ApiOperation({
    summary: 'Set a user’s TOTP secret (RFC 6238)',
    description:
      'Body (optional): { "secret": "<base32>" } of at least 128 bits (26 characters). Without it a 256-bit secret is generated and returned once as totp_secret, with an otpauth:// URI for an authenticator app. Also for users of USERS_FILE, which holds no TOTP secrets.',
  })
  @ApiBody({ type: TotpSecretInput, required: false })
  @ApiOkResponse({ description: 'The user', type: AdminUserWithTotp })
  async setTotp(
    @Param('id') id: string,
    @Body() body: unknown,
    @BearerClaims() admin: AccessTokenClaims,
  ): Promise<Record<string, unknown>> {
    const { secret } = optionalJsonObject(body);
    const chosen = secret === undefined || secret === null ? undefined : totpSecret(secret);
    const user = await this.existing(id);
    const key = chosen ?? generateTotpSecret();
    if (!(await this.users.setTotpSecret(id, key))) throw notFound(id);
    this.logger.log(`TOTP secret of user ${user.username} (${id}) set by ${admin.client_id}`);
    return {
      ...userView(await this.existing(id)),
      ...(chosen === undefined && {
        totp_secret: base32Encode(key),
        // The URI states the TOTP_* settings the login page will check codes with.
        otpauth_uri: totpUri(key, this.config.totp, user.username),
      }),
    };
  }

  @Delete(':id/totp')
  @HttpCode(204)
  @ApiOperation({ summary: 'Clear a user’s TOTP secret' })
  @ApiNoContentResponse({ description: 'Cleared: the user signs in with a password alone' })
  async clearTotp(
    @Param('id') id: string,
    @BearerClaims() admin: AccessTokenClaims,
  ): Promise<void> {
    const user = await this.existing(id);
    if (!(await this.users.setTotpSecret(id, null))) throw notFound(id);
    this.logger.log(`TOTP secret of user ${user.username} (${id}) cleared by ${admin.client_id}`);
  }

  private async setDisabled(
    id: string,
    disabled: boolean,
    admin: AccessTokenClaims,
  ): Promise<Record<string, unknown>> {
    const user = this.managedHere(await this.existing(id));
    if (user.disabled !== disabled) {
      if (!(await this.users.setDisabled(id, disabled))) throw notFound(id);
      if (disabled) await this.signOutEverywhere(id);
      this.logger.log(
        `User ${user.username} (${id}) ${disabled ? 'disabled' : 'enabled'} by ${admin.client_id}`,
      );
    }
    return userView(await this.existing(id));
  }

  /**
   * A disabled or deleted user is signed out everywhere, not only refused at the next login:
   * each ended session's clients are told through Back-Channel Logout, every refresh token
   * goes, and every access token still alive is denied.
   */
  private async signOutEverywhere(id: string): Promise<void> {
    await this.sessions.endAllForUser(id);
    await this.refreshTokens.revokeForUser(id);
    await this.accessTokens.revokeAllOfUser(id);
  }

  private async existing(id: string): Promise<User> {
    const user = await this.users.findById(id);
    if (!user) throw notFound(id);
    return user;
  }

  /**
   * Users of USERS_FILE belong to configuration: a boot would undo a change to their claims,
   * groups, password or disabled flag, or bring a deleted one back.
   */
  private managedHere(user: User): User {
    if (user.origin === 'seed') {
      throw new Conflict(
        `User ${user.username} is managed by configuration (USERS_FILE); change it there`,
      );
    }
    return user;
  }
}

function totpSecret(value: unknown): Buffer {
  const bytes = typeof value === 'string' && value.length <= 200 ? base32Decode(value) : undefined;
  if (!bytes) {
    throw new InvalidRequest('secret must be base32 (RFC 4648), as authenticator apps show it');
  }
  if (bytes.length < MIN_TOTP_SECRET_BYTES || bytes.length > MAX_TOTP_SECRET_BYTES) {
    throw new InvalidRequest('secret must hold 128 to 512 bits (26 to 103 base32 characters)');
  }
  return bytes;
}

function notFound(id: string): NotFound {
  return new NotFound(`No user has the id ${id.slice(0, 200)}`);
}
