import { Controller, Get, Inject, Query } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { AuditLog, type StoredAuditEvent } from '../audit/audit-log.js';
import { InvalidRequest } from '../common/errors/oauth-error.js';
import { RequireScope } from '../token/bearer-auth.js';
import { ADMIN_RESOURCE_PATH, ADMIN_SCOPE } from './admin-client.bootstrap.js';
import { paging } from './admin-input.js';

const TYPE = /^[a-z_]{1,40}(\.[a-z_]{1,40})?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Below bigint's maximum (9223372036854775807, 19 digits): a longer cursor is refused, not a 500.
const CURSOR = /^\d{1,18}$/;

/** The filters and paging of `GET /admin/audit-events`; the controller checks them. */
class AuditEventsQuery {
  @ApiPropertyOptional({ description: 'One event type', example: 'login.failure' })
  type?: string;
  @ApiPropertyOptional({ format: 'uuid', example: 'aa5243d5-0f1e-4a3b-9c1d-2e3f4a5b6c7d' })
  user_id?: string;
  @ApiPropertyOptional({ maxLength: 200, example: 'billing-service' })
  client_id?: string;
  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Events at or after it (ISO 8601)',
    example: '2026-12-01T00:00:00Z',
  })
  since?: string;
  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Events before it (ISO 8601)',
    example: '2026-12-06T00:00:00Z',
  })
  until?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50, example: 50 })
  limit?: number;
  @ApiPropertyOptional({
    description: 'The `next` of the previous page: older events',
    example: '1042',
  })
  after?: string;
}

class AdminAuditEvent {
  @ApiProperty({ description: 'Increasing; newer events have higher ids', example: '1042' })
  id!: string;
  @ApiProperty({ format: 'date-time', example: '2026-12-06T09:14:03.120Z' })
  at!: string;
  @ApiProperty({
    example: 'login.failure',
    description:
      'login.success, login.failure, login.locked, logout, consent.granted, consent.revoked, refresh_token.reuse, admin.action, key.created, key.promoted, key.retired, key.removed, key.revoked',
  })
  type!: string;
  @ApiPropertyOptional({
    description: 'An admin client id, `user` or `system`',
    nullable: true,
    example: 'user',
  })
  actor!: string | null;
  @ApiPropertyOptional({
    format: 'uuid',
    nullable: true,
    example: 'aa5243d5-0f1e-4a3b-9c1d-2e3f4a5b6c7d',
  })
  user_id!: string | null;
  @ApiPropertyOptional({ nullable: true, example: null })
  client_id!: string | null;
  @ApiPropertyOptional({
    description: 'IPv4 address or IPv6 /64',
    nullable: true,
    example: '203.0.113.7',
  })
  address!: string | null;
  @ApiProperty({
    description: 'Per type: reason, scopes, route and status, kid, …',
    example: { method: 'password', reason: 'wrong_password' },
  })
  detail!: Record<string, unknown>;
}

class AdminAuditPage {
  @ApiProperty({ type: [AdminAuditEvent] })
  events!: AdminAuditEvent[];
  @ApiPropertyOptional({
    description: 'The cursor of the next (older) page; absent on the last',
    example: '1042',
  })
  next?: string;
}

function time(value: unknown, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = typeof value === 'string' && value.length <= 40 ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw new InvalidRequest(`${name} must be an ISO 8601 date and time`);
  }
  return date;
}

function matching(value: unknown, pattern: RegExp, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw new InvalidRequest(`${name} is not valid`);
  }
  return value;
}

/** The audit log (sign-ins, sign-outs, consents, reuse, admin actions, key changes). */
@ApiTags('admin')
@Controller('admin/audit-events')
@RequireScope(ADMIN_SCOPE, { audience: ADMIN_RESOURCE_PATH })
export class AdminAuditController {
  constructor(@Inject(AuditLog) private readonly audit: AuditLog) {}

  @Get()
  @ApiOperation({ summary: 'List audit events, newest first, a page at a time, with filters' })
  @ApiQuery({ type: AuditEventsQuery })
  @ApiOkResponse({ description: 'A page of events', type: AdminAuditPage })
  list(@Query() query: Record<string, unknown>): Promise<{
    events: StoredAuditEvent[];
    next?: string;
  }> {
    const { limit, after } = paging(query);
    return this.audit.list({
      type: matching(query.type, TYPE, 'type'),
      userId: matching(query.user_id, UUID, 'user_id'),
      clientId: matching(query.client_id, /^[\x21-\x7e]{1,200}$/, 'client_id'),
      since: time(query.since, 'since'),
      until: time(query.until, 'until'),
      limit,
      after: matching(after, CURSOR, 'after'),
    });
  }
}
