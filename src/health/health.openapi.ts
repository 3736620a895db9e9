import { ApiProperty } from '@nestjs/swagger';

/** `GET /health/live`: the process answers. */
export class Liveness {
  @ApiProperty({ enum: ['ok'], example: 'ok' })
  status!: 'ok';
}

/** What each dependency of readiness answered within its 2 s. */
export class ReadinessChecks {
  @ApiProperty({ enum: ['up', 'down'], description: 'Postgres answered `SELECT 1`', example: 'up' })
  database!: 'up' | 'down';

  @ApiProperty({
    enum: ['up', 'down'],
    description: 'The short-lived store (Redis, or memory on the embedded default) answered a ping',
    example: 'up',
  })
  cache!: 'up' | 'down';
}

/** `GET /health/ready`: 200 with `ok` when every check is up, else 503 with `unavailable`. */
export class Readiness {
  @ApiProperty({ enum: ['ok', 'unavailable'], example: 'ok' })
  status!: 'ok' | 'unavailable';

  @ApiProperty({ type: ReadinessChecks })
  checks!: ReadinessChecks;
}
