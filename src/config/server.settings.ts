import { defineSettings, duration, integer, oneOf, text, url } from './settings.js';
import { parseTrustProxy } from './trust-proxy.js';

/**
 * The process itself: run mode, issuer, where it listens, logging and shutdown. NODE_ENV and
 * ISSUER feed the production rules of `loadConfig`, which also sets `production` and `issuer`.
 */
export const serverSettings = defineSettings({
  id: 'server',
  title: 'Server',
  settings: {
    NODE_ENV: oneOf(['development', 'production', 'test'], {
      default: 'development',
      description: 'Run mode.',
      summary:
        'development | production | test. Default development; the Docker image and docker-compose use production, which requires ISSUER (https) and KEYS_ENCRYPTION_SECRET.',
      checks: 'One of `development`, `production`, `test`. See "Production mode".',
      shownDefault:
        '`development` (`production` in the Docker image, and with `DATABASE_URL` or `REDIS_URL` set)',
      example: 'production',
    }),
    ISSUER: url(['https:', 'http:'], {
      description:
        'The issuer identifier: the URL clients use to reach the provider. Every endpoint URL in discovery is built from it, and `issuer` is published exactly as written.',
      summary:
        'The issuer identifier: the https URL clients use to reach the provider, no query or fragment. Empty: http://localhost:PORT outside production; required in production.',
      checks:
        'An absolute `http` or `https` URL. No query (`?`) or fragment (`#`). Required and `https` in production.',
      shownDefault: '`http://localhost:PORT` outside production',
    }),
    HOST: text({
      default: '127.0.0.1',
      description: 'Interface to listen on.',
      summary: 'Interface to listen on (the Docker image and docker-compose use 0.0.0.0).',
      shownDefault: '`127.0.0.1` (`0.0.0.0` in the Docker image)',
    }),
    PORT: integer({
      min: 0,
      max: 65535,
      default: 8080,
      description: 'TCP port to listen on.',
      summary: 'TCP port to listen on; docker-compose also publishes it on the host.',
      checks: 'Integer 0–65535 (0 picks a free port).',
    }),
    /** Peers trusted to give the client's address in X-Forwarded-For: see trust-proxy.ts. */
    TRUST_PROXY: text({
      description:
        "The reverse proxies or load balancers in front, trusted to give the client's address in `X-Forwarded-For` (and the scheme and host in `X-Forwarded-Proto` and `X-Forwarded-Host`). The login limit per address and the request log then see each client, not the proxy. Unset, those headers are ignored: the TCP peer is the client.",
      summary:
        "Reverse proxies trusted to give the client's address in X-Forwarded-For: addresses, CIDR ranges or loopback | linklocal | uniquelocal, comma-separated. Empty: none (the TCP peer is the client). Behind docker-compose's published port, the peer is Docker's gateway.",
      checks:
        'A comma-separated list of addresses, CIDR ranges (`10.0.0.0/8`, `fd00::/8`) or `loopback`, `linklocal`, `uniquelocal`. Trusting every peer (`*`, `0.0.0.0/0`) or a hop count is refused: any client could then choose its own address.',
      shownDefault: 'none',
    }),
    // Authelia's server.timeouts.read and .idle, by their names.
    SERVER_TIMEOUTS_READ: duration({
      default: '6s',
      description:
        'How long a client may take to send a whole request, headers and body. A request that has not arrived by then is answered 408 and its connection closed, so a client that stops sending mid-body cannot hold a connection.',
      summary:
        'How long a client may take to send a whole request (headers and body) before it is answered 408 and cut.',
      checks: 'A duration of at least 1s.',
    }),
    SERVER_TIMEOUTS_IDLE: duration({
      default: '30s',
      description:
        'How long a kept-alive connection may sit idle between requests before the server closes it. Keep it longer than the idle timeout of a load balancer in front, so the balancer closes first.',
      summary: 'How long a kept-alive connection may sit idle before the server closes it.',
      checks: 'A duration of at least 1s.',
    }),
    SERVER_MAX_CONNECTIONS: integer({
      min: 1,
      max: 1_000_000,
      default: 4096,
      description:
        'Open connections one instance accepts at once; beyond it, new connections are closed as they arrive, so a flood of clients cannot exhaust the process. Scale out with more instances rather than raising it far.',
      summary: 'Open connections one instance accepts at once; more are closed as they arrive.',
      checks: 'Integer 1–1000000.',
    }),
    LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      default: 'info',
      description: 'Lowest level written to the log. The CLI uses `warn` when it is unset.',
      summary: 'fatal | error | warn | info | debug | trace | silent',
      checks: 'One of `fatal`, `error`, `warn`, `info`, `debug`, `trace`, `silent`.',
    }),
    SHUTDOWN_TIMEOUT: duration({
      default: '10s',
      description:
        'After SIGTERM or SIGINT, how long the server may take to finish in-flight requests and close its connections before it exits with code 1 anyway.',
      summary:
        'How long a SIGTERM waits for in-flight requests and clean-up before the process exits anyway.',
    }),
  },
  *check(v) {
    const proxy = parseTrustProxy(v.TRUST_PROXY ?? '');
    if ('problem' in proxy) yield proxy.problem;
    for (const name of ['SERVER_TIMEOUTS_READ', 'SERVER_TIMEOUTS_IDLE'] as const) {
      if (v[name] < 1_000) yield `${name}: must be at least 1s`;
    }
  },
  config: (v) => {
    const proxy = parseTrustProxy(v.TRUST_PROXY ?? '');
    return {
      host: v.HOST,
      port: v.PORT,
      trustProxy: 'trustProxy' in proxy ? proxy.trustProxy : undefined,
      logLevel: v.LOG_LEVEL,
      shutdownTimeout: v.SHUTDOWN_TIMEOUT,
      connections: {
        readTimeout: v.SERVER_TIMEOUTS_READ,
        idleTimeout: v.SERVER_TIMEOUTS_IDLE,
        max: v.SERVER_MAX_CONNECTIONS,
      },
    };
  },
});
