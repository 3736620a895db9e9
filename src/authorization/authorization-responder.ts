import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { sendToClient } from '../common/client-response.js';
import type { Session } from '../sessions/session.entity.js';
import { SessionsService } from '../sessions/sessions.service.js';
import type { User } from '../users/user.entity.js';
import type { AuthorizationRequest } from './authorization-request.js';
import { AuthorizationService } from './authorization.service.js';

/**
 * The successful end of an authorization request, wherever it ends (`/authorize` at once, or
 * an interaction step): the code is issued, the session learns the client (for logout), and
 * the answer goes to the client in the request's response mode. Errors take the same road
 * from the browser filter (`sendErrorToClient`).
 */
@Injectable()
export class AuthorizationResponder {
  constructor(
    @Inject(AuthorizationService) private readonly authorization: AuthorizationService,
    @Inject(SessionsService) private readonly sessions: SessionsService,
  ) {}

  async issue(
    reply: FastifyReply,
    request: AuthorizationRequest,
    session: Session,
    user: User,
  ): Promise<void> {
    const answer = await this.authorization.issue(request, session, user);
    await this.sessions.addClient(session.id, request.client.clientId);
    sendToClient(reply, request.redirectUri, request.responseMode, answer);
  }
}
