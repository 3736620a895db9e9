import { Controller, Get, Inject, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { ShortLivedStore } from '../cache/short-lived-store.js';
import { NoStore } from '../common/no-store.js';
import { Liveness, Readiness } from './health.openapi.js';
import { within } from './outages.js';

const CHECK_TIMEOUT_MS = 2_000;

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ShortLivedStore) private readonly store: ShortLivedStore,
  ) {}

  @Get('live')
  @NoStore()
  @ApiOperation({ summary: 'Liveness: the process is serving requests' })
  @ApiOkResponse({ description: 'Alive', type: Liveness })
  live(@Res() reply: FastifyReply): void {
    void reply.send({ status: 'ok' });
  }

  @Get('ready')
  @NoStore()
  @ApiOperation({ summary: 'Readiness: Postgres and the short-lived store both answer' })
  @ApiOkResponse({ description: 'Ready: every check is up', type: Readiness })
  @ApiServiceUnavailableResponse({ description: 'A dependency is down', type: Readiness })
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const [database, cache] = await Promise.all([
      within(this.dataSource.query('SELECT 1'), CHECK_TIMEOUT_MS).then(
        () => 'up' as const,
        () => 'down' as const,
      ),
      within(this.store.ping(), CHECK_TIMEOUT_MS).then(
        () => 'up' as const,
        () => 'down' as const,
      ),
    ]);
    const ok = database === 'up' && cache === 'up';
    void reply
      .status(ok ? 200 : 503)
      .send({ status: ok ? 'ok' : 'unavailable', checks: { database, cache } });
  }
}
