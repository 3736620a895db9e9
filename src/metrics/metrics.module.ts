import {
  Global,
  Inject,
  Logger,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { createServer, type Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { Metrics } from './metrics.js';

/** The metrics, fed by a hook on every answer and served on METRICS_PORT when it is set. */
@Global()
@Module({ providers: [Metrics], exports: [Metrics] })
export class MetricsModule implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server?: Server;

  constructor(
    @Inject(Metrics) private readonly metrics: Metrics,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onResponse', (request, reply, done) => {
      // The route's pattern, never the path: a path would give every client id a series.
      const route = request.routeOptions.url ?? 'unmatched';
      const method = request.method;
      this.metrics.requests.inc({ route, method, status: String(reply.statusCode) });
      this.metrics.latency.observe({ route, method }, reply.elapsedTime / 1000);
      done();
    });
    const { port, host } = this.config.metrics;
    if (port === undefined) return;
    this.server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
        return;
      }
      this.metrics.text().then(
        (body) =>
          res
            .writeHead(200, {
              'content-type': this.metrics.registry.contentType,
              'cache-control': 'no-store',
            })
            .end(body),
        (e: unknown) => {
          this.logger.warn(`Metrics could not be collected: ${(e as Error).message}`);
          res.writeHead(500).end();
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    this.logger.log(`Metrics on http://${host}:${port}/metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
