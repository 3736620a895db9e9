import { Controller, Delete, Get, HttpCode, Inject, Logger, Param } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { NotFound } from '../common/errors/oauth-error.js';
import type { Session } from '../sessions/session.entity.js';
import { SessionsService } from '../sessions/sessions.service.js';
import type { AccessTokenClaims } from '../token/access-tokens.js';
import { BearerClaims, RequireScope } from '../token/bearer-auth.js';
import type { User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';
import { ADMIN_RESOURCE_PATH, ADMIN_SCOPE } from './admin-client.bootstrap.js';
import { AdminSessions } from './admin.openapi.js';

/** What the admin API shows of a session: never its cookie, which the server does not hold. */
export function sessionView(session: Session): Record<string, unknown> {
  return {
    sid: session.id,
    auth_time: Math.floor(session.authTime.getTime() / 1000),
    amr: session.amr,
    acr: session.acr,
    clients: session.clients,
    remember_me: session.rememberMe,
    created_at: session.createdAt.toISOString(),
    last_seen_at: session.lastSeenAt.toISOString(),
    expires_at: session.expiresAt.toISOString(),
  };
}

/**
 * A user's browser login sessions. Ending one signs the user out there at once and sends a
 * Back-Channel Logout token to each client that took part in it and asked for one.
 */
@ApiTags('admin')
@Controller('admin/users/:id/sessions')
@RequireScope(ADMIN_SCOPE, { audience: ADMIN_RESOURCE_PATH })
export class AdminSessionsController {
  private readonly logger = new Logger('Admin');

  constructor(
    @Inject(UsersService) private readonly users: UsersService,
    @Inject(SessionsService) private readonly sessions: SessionsService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List a user’s live sessions, newest first' })
  @ApiOkResponse({ description: 'The sessions', type: AdminSessions })
  async list(@Param('id') id: string): Promise<{ sessions: Record<string, unknown>[] }> {
    await this.existing(id);
    return { sessions: (await this.sessions.listForUser(id)).map(sessionView) };
  }

  @Delete()
  @HttpCode(204)
  @ApiOperation({
    summary: 'End every session of a user',
    description: 'Each ended session’s clients receive a Back-Channel Logout token.',
  })
  @ApiNoContentResponse({ description: 'Every session ended (also when there was none)' })
  async endAll(@Param('id') id: string, @BearerClaims() admin: AccessTokenClaims): Promise<void> {
    const user = await this.existing(id);
    const ended = await this.sessions.endAllForUser(id);
    this.logger.log(
      `${ended.length} session(s) of user ${user.username} (${id}) ended by ${admin.client_id}`,
    );
  }

  @Delete(':sid')
  @HttpCode(204)
  @ApiOperation({
    summary: 'End one session of a user',
    description: 'Its clients receive a Back-Channel Logout token.',
  })
  @ApiNoContentResponse({ description: 'The session ended' })
  async end(
    @Param('id') id: string,
    @Param('sid') sid: string,
    @BearerClaims() admin: AccessTokenClaims,
  ): Promise<void> {
    const user = await this.existing(id);
    const ended = await this.sessions.endForUser(id, sid);
    if (!ended) throw new NotFound(`User ${user.username} has no session ${sid.slice(0, 60)}`);
    this.logger.log(
      `Session ${sid.slice(0, 8)}… of user ${user.username} (${id}) ended by ${admin.client_id}`,
    );
  }

  private async existing(id: string): Promise<User> {
    const user = await this.users.findById(id);
    if (!user) throw new NotFound(`No user has the id ${id.slice(0, 200)}`);
    return user;
  }
}
