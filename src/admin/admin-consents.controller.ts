import { Controller, Delete, Get, HttpCode, Inject, Logger, Param } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminConsents } from './admin.openapi.js';
import { NotFound } from '../common/errors/oauth-error.js';
import { ConsentService } from '../consent/consent.service.js';
import type { AccessTokenClaims } from '../token/access-tokens.js';
import { BearerClaims, RequireScope } from '../token/bearer-auth.js';
import { RefreshTokens } from '../token/refresh-tokens.js';
import { UsersService } from '../users/users.service.js';
import { ADMIN_RESOURCE_PATH, ADMIN_SCOPE } from './admin-client.bootstrap.js';

/** A user's remembered consents: list, and revoke one with the refresh tokens it allowed. */
@ApiTags('admin')
@Controller('admin/users/:id/consents')
@RequireScope(ADMIN_SCOPE, { audience: ADMIN_RESOURCE_PATH })
export class AdminConsentsController {
  private readonly logger = new Logger('Admin');

  constructor(
    @Inject(UsersService) private readonly users: UsersService,
    @Inject(ConsentService) private readonly consents: ConsentService,
    @Inject(RefreshTokens) private readonly refreshTokens: RefreshTokens,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The consents of a user still in force' })
  @ApiOkResponse({ description: 'The consents, most recent first', type: AdminConsents })
  async list(@Param('id') id: string): Promise<{ consents: Record<string, unknown>[] }> {
    await this.existing(id);
    const consents = await this.consents.list(id);
    return {
      consents: consents.map((c) => ({
        client_id: c.clientId,
        scopes: c.scopes,
        claims: c.claims,
        granted_at: c.grantedAt.toISOString(),
        expires_at: c.expiresAt.toISOString(),
      })),
    };
  }

  @Delete(':clientId')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Revoke a consent: the client asks again, and its refresh tokens for the user stop',
  })
  @ApiNoContentResponse({ description: 'Revoked, with the refresh tokens it allowed' })
  async revoke(
    @Param('id') id: string,
    @Param('clientId') clientId: string,
    @BearerClaims() admin: AccessTokenClaims,
  ): Promise<void> {
    const user = await this.existing(id);
    const had = await this.consents.revoke(id, clientId);
    // The refresh tokens the user allowed go too: also those of a client whose consent mode
    // keeps no record (implicit), which is then what this revokes.
    const tokens = await this.refreshTokens.revokeForUserAndClient(id, clientId);
    if (!had && tokens === 0)
      throw new NotFound(`User ${user.username} has no consent for ${clientId.slice(0, 200)}`);
    this.logger.log(`Consent of ${user.username} for ${clientId} revoked by ${admin.client_id}`);
  }

  private async existing(id: string) {
    const user = await this.users.findById(id);
    if (!user) throw new NotFound(`No user has the id ${id.slice(0, 200)}`);
    return user;
  }
}
