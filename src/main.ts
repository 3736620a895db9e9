import 'reflect-metadata';
import { ConfigurationError, loadConfig } from './config/app-config.js';
import { createApp } from './app.factory.js';
import { createLogger, logDestination } from './common/logging/logger.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigurationError) {
      process.stderr.write(`${e.message}\nSee .env.example and docs/configuration.md.\n`);
      process.exit(78); // EX_CONFIG
    }
    throw e;
  }
  const logger = createLogger(
    config.logLevel,
    logDestination({
      production: config.production,
      terminal: process.stdout.isTTY === true,
      format: process.env.LOG_FORMAT,
    }),
  );
  for (const warning of config.warnings) logger.warn(warning);

  let app;
  try {
    app = await createApp(config, logger);
    await app.listen({ port: config.port, host: config.host });
  } catch (e) {
    logger.fatal({ err: e }, `Start-up failed: ${e instanceof Error ? e.message : String(e)}`);
    await app?.close().catch(() => undefined);
    process.exit(1);
  }
  const running = app;
  const shutdownTimeout = config.shutdownTimeout;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info(`${signal} received: finishing in-flight requests, then stopping`);
      // If something hangs, leave anyway once SHUTDOWN_TIMEOUT has passed.
      setTimeout(() => process.exit(1), shutdownTimeout).unref();
      // Closes the HTTP server (in-flight requests finish, new ones get 503), then every module.
      running.close().then(
        () => {
          logger.info('Stopped');
          process.exit(0);
        },
        (e: unknown) => {
          logger.error({ err: e }, 'Shutdown failed');
          process.exit(1);
        },
      );
    });
  }
  logger.info(
    `OpenID Provider listening on http://${config.host}:${config.port} with issuer ${config.issuer}`,
  );
}

void main();
