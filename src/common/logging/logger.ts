import { createRequire } from 'node:module';
import type { LoggerService, LogLevel } from '@nestjs/common';
import type { FastifyBaseLogger } from 'fastify';
import {
  pino,
  type Bindings,
  type ChildLoggerOptions,
  type DestinationStream,
  type Logger,
} from 'pino';
import { logDigest } from './log-digest.js';

/**
 * Field names whose values are secrets wherever they appear. pino's redaction needs concrete
 * paths, so each name is listed at the depths where our log objects carry them.
 */
const SECRET_FIELDS = [
  'password',
  'secret',
  'client_secret',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'id_token_hint',
  'logout_token',
  'client_assertion',
  'code_verifier',
  'assertion',
  'subject_token',
  'actor_token',
  'private_key',
  'privateKey',
  'encryptionSecret',
  'KEYS_ENCRYPTION_SECRET',
];
const SECRET_HEADERS = ['authorization', 'cookie', 'set-cookie', 'dpop', 'proxy-authorization'];

/** Secret only as a request parameter: elsewhere `code` is an error code worth logging. */
const SECRET_PARAMETERS = [...SECRET_FIELDS, 'code'];

export const REDACT_PATHS = [
  ...SECRET_HEADERS.flatMap((h) => [
    `req.headers["${h}"]`,
    `res.headers["${h}"]`,
    `headers["${h}"]`,
  ]),
  ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]),
  ...SECRET_PARAMETERS.flatMap((f) => [
    `body.${f}`,
    `req.body.${f}`,
    `query.${f}`,
    `req.query.${f}`,
  ]),
];

/** Query parameters that carry credentials or tokens; their values never reach a log line. */
const SECRET_QUERY = new Set(SECRET_PARAMETERS);

/** Query parameters that name a person: logged as a keyed digest (see log-digest.ts). */
const PERSONAL_QUERY = new Set(['login_hint', 'logout_hint']);

/** Replaces secret query values in a logged URL, and names people typed with their digest. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  let changed = false;
  for (const key of [...new Set(params.keys())]) {
    if (SECRET_QUERY.has(key)) {
      params.set(key, '[Redacted]');
      changed = true;
    } else if (PERSONAL_QUERY.has(key)) {
      params.set(key, logDigest(params.get(key) ?? ''));
      changed = true;
    }
  }
  return changed ? `${url.slice(0, q)}?${params.toString()}` : url;
}

/**
 * Where a server's log goes: readable lines through pino-pretty when a person is watching (a
 * terminal, outside production, with pino-pretty installed: it is a development dependency),
 * JSON on stdout otherwise, as log collectors expect. `LOG_FORMAT=json` keeps JSON anyway.
 */
export function logDestination(options: {
  production: boolean;
  terminal: boolean;
  format?: string;
}): DestinationStream | undefined {
  if (options.production || !options.terminal || options.format === 'json') return undefined;
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
  } catch {
    return undefined;
  }
  return pino.transport({
    target: 'pino-pretty',
    options: {
      colorize: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,service,context',
      messageFormat: '{if context}[{context}] {end}{msg}',
    },
  });
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'openid-provider' },
    redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
    serializers: {
      req(req: { id?: string; method?: string; url?: string; ip?: string }) {
        return {
          id: req.id,
          method: req.method,
          url: redactUrl(req.url ?? ''),
          remoteAddress: req.ip,
        };
      },
      res(res: { statusCode?: number }) {
        return { statusCode: res.statusCode };
      },
      err: pino.stdSerializers.err,
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/**
 * The per-request logger Fastify asks for. pino runs a child's bindings through every
 * redaction path when the child is made, a cost paid on each request although most requests
 * log nothing; this one makes the child on the first enabled log call.
 */
class LazyRequestLogger implements FastifyBaseLogger {
  private made: Logger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly childBindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  private get real(): Logger {
    return (this.made ??= this.parent.child(this.childBindings, this.options));
  }

  get level(): string {
    return this.made?.level ?? this.parent.level;
  }
  set level(level: string) {
    this.real.level = level;
  }

  private write(level: Level, args: unknown[]): void {
    if (!this.made && !this.parent.isLevelEnabled(level)) return;
    const logger = this.real;
    Reflect.apply(logger[level], logger, args);
  }

  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  silent(): void {}
  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real.child(bindings, options);
  }
}

/** Fastify's `childLoggerFactory`: a lazy child unless a route sets its own level. */
export function requestLogger(
  parent: Logger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  return options.level
    ? parent.child(bindings, options)
    : new LazyRequestLogger(parent, bindings, options);
}

/** Nest's logger interface on top of pino, so framework and application logs share one stream. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...rest: unknown[]) {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]) {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]) {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]) {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]) {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]) {
    this.write('fatal', message, rest);
  }
  setLogLevels(_levels: LogLevel[]) {
    // pino's level comes from LOG_LEVEL.
  }

  private write(
    level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal',
    message: unknown,
    rest: unknown[],
  ) {
    // Nest passes the context (class name) last, and for errors a stack before it.
    const context = typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const fields: Record<string, unknown> = context ? { context } : {};
    if (message instanceof Error) {
      this.logger[level]({ ...fields, err: message }, message.message);
      return;
    }
    const stack = rest.find((r) => typeof r === 'string');
    if (stack) fields.stack = stack;
    if (typeof message === 'object' && message !== null) {
      this.logger[level]({ ...fields, ...message });
    } else {
      this.logger[level](fields, String(message));
    }
  }
}
