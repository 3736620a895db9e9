/** The services whose absence makes the provider answer 503 rather than 500. */
export type Dependency = 'database' | 'cache';

/**
 * A dependency could not be reached. The short-lived store throws it for every failure that is
 * the connection's and not the command's; Postgres failures are recognised by `outageOf`.
 */
export class DependencyUnavailable extends Error {
  constructor(
    readonly dependency: Dependency,
    cause: unknown,
  ) {
    super(`${dependency} unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'DependencyUnavailable';
  }
}

/** Socket errors of a connection that failed or broke (Node's `net` and `dns`). */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs of a server that is away, going away or full, not of a statement that failed:
 * class 08 (connection exception), 53 (insufficient resources), 57P01–57P03 (shut down, crash
 * recovery, starting up).
 */
function isUnavailableState(code: string): boolean {
  return (
    code.startsWith('08') ||
    code.startsWith('53') ||
    code === '57P01' ||
    code === '57P02' ||
    code === '57P03'
  );
}

/** What `pg` says when a connection ends or cannot be had, without a code. */
const DRIVER_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'Cannot use a pool after calling end on the pool',
];

/**
 * Which dependency, if any, an error says is unreachable. TypeORM copies the driver's `code`
 * onto its own errors and keeps the original as `driverError`; both, and `cause`, are looked at.
 */
export function outageOf(error: unknown, depth = 0): Dependency | undefined {
  if (depth > 3 || typeof error !== 'object' || error === null) return undefined;
  if (error instanceof DependencyUnavailable) return error.dependency;
  const { code, message, driverError, cause, errors } = error as {
    code?: unknown;
    message?: unknown;
    driverError?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || isUnavailableState(code))) {
    return 'database';
  }
  if (typeof message === 'string' && DRIVER_MESSAGES.some((m) => message.startsWith(m))) {
    return 'database';
  }
  // A refused connection to a host with several addresses is an AggregateError of each.
  if (Array.isArray(errors) && errors.some((e) => outageOf(e, depth + 1))) return 'database';
  return outageOf(driverError, depth + 1) ?? outageOf(cause, depth + 1);
}

/** Seconds a client is told to wait before trying again (RFC 9110 §10.2.3). */
export const RETRY_AFTER_SECONDS = 5;
