import { Logger } from '@nestjs/common';
import { createClient, ErrorReply, type RedisClientType } from 'redis';
import { DependencyUnavailable } from '../common/errors/unavailable.js';
import { ShortLivedStore } from './short-lived-store.js';

// INCR, and start the window only on the first increment, in one round trip and atomically.
const INCREMENT_SCRIPT = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

// DECR that keeps the window and never goes below zero: at zero (or absent) the key is gone.
const DECREMENT_SCRIPT = `local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n <= 1 then redis.call('DEL', KEYS[1]) return 0 end
return redis.call('DECR', KEYS[1])`;

// SADD, and extend the set's life to at least ARGV[2] ms, never shortening it.
const ADD_TO_SET_SCRIPT = `redis.call('SADD', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1`;

// SMEMBERS and DEL as one step.
const TAKE_SET_SCRIPT = `local members = redis.call('SMEMBERS', KEYS[1])
redis.call('DEL', KEYS[1])
return members`;

/** Replies of a server that cannot serve now (loading, a replica cut off), not of a bad command. */
const UNAVAILABLE_REPLIES = /^(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN|NOREPLICAS)\b/;

/** A failure of the connection (or of a server that cannot serve) as an outage; others as they are. */
function asOutage(error: unknown): unknown {
  if (error instanceof ErrorReply && !UNAVAILABLE_REPLIES.test(error.message)) return error;
  return new DependencyUnavailable('cache', error);
}

async function command<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    throw asOutage(e);
  }
}

/**
 * Redis (`redis` v6 client). Keys carry a prefix so several deployments can share a server.
 * The offline queue is off: while Redis is away, calls fail at once instead of piling up,
 * with `DependencyUnavailable` (a 503 to the client), and readiness reports it.
 */
export class RedisStore extends ShortLivedStore {
  private readonly logger = new Logger('Redis');
  private readonly client: RedisClientType;
  private subscriber?: RedisClientType;
  private lastError?: string;

  constructor(
    private readonly url: string,
    private readonly prefix: string,
  ) {
    super();
    this.client = createClient({
      url,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: 5_000,
        reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2_000),
      },
    });
    let down = false;
    this.client.on('error', (err: Error) => {
      this.lastError = err.message;
      if (!down) this.logger.warn(`Redis connection error: ${err.message}`);
      down = true;
    });
    this.client.on('ready', () => {
      if (down) this.logger.log('Redis connection restored');
      down = false;
    });
  }

  /**
   * Connects, or fails within `timeoutMs` with a message naming the server: at start-up an
   * unreachable Redis stops the provider instead of leaving it waiting.
   */
  async connect(timeoutMs = 10_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const where = new URL(this.url);
        where.password = '';
        where.username = '';
        reject(
          new Error(
            `Redis at ${where.host} did not answer within ${timeoutMs / 1000}s (${this.lastError ?? 'no reply'})`,
          ),
        );
      }, timeoutMs);
    });
    try {
      await Promise.race([this.client.connect(), deadline]);
    } catch (e) {
      this.client.destroy();
      throw e;
    } finally {
      clearTimeout(timer);
    }
    this.subscriber = this.client.duplicate();
    this.subscriber.on('error', () => {
      // Reconnects by itself; the main client already logs the outage.
    });
    await this.subscriber.connect();
  }

  async put(key: string, value: string, ttlMs: number): Promise<void> {
    await command(() =>
      this.client.set(this.prefix + key, value, {
        expiration: { type: 'PX', value: Math.max(1, Math.ceil(ttlMs)) },
      }),
    );
  }

  async get(key: string): Promise<string | null> {
    return command(() => this.client.get(this.prefix + key));
  }

  async take(key: string): Promise<string | null> {
    return command(() => this.client.getDel(this.prefix + key));
  }

  async putIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    const reply = await command(() =>
      this.client.set(this.prefix + key, value, {
        expiration: { type: 'PX', value: Math.max(1, Math.ceil(ttlMs)) },
        condition: 'NX',
      }),
    );
    return reply === 'OK';
  }

  async increment(key: string, ttlMs: number): Promise<number> {
    const reply = await command(() =>
      this.client.eval(INCREMENT_SCRIPT, {
        keys: [this.prefix + key],
        arguments: [String(Math.max(1, Math.ceil(ttlMs)))],
      }),
    );
    return Number(reply);
  }

  async decrement(key: string): Promise<number> {
    const reply = await command(() =>
      this.client.eval(DECREMENT_SCRIPT, { keys: [this.prefix + key] }),
    );
    return Number(reply);
  }

  async delete(key: string): Promise<void> {
    await command(() => this.client.del(this.prefix + key));
  }

  async addToSet(key: string, member: string, ttlMs: number): Promise<void> {
    await command(() =>
      this.client.eval(ADD_TO_SET_SCRIPT, {
        keys: [this.prefix + key],
        arguments: [member, String(Math.max(1, Math.ceil(ttlMs)))],
      }),
    );
  }

  async takeSet(key: string): Promise<string[]> {
    const reply = await command(() =>
      this.client.eval(TAKE_SET_SCRIPT, { keys: [this.prefix + key] }),
    );
    return (reply as string[] | null) ?? [];
  }

  async publish(channel: string, message: string): Promise<void> {
    await command(() => this.client.publish(this.prefix + channel, message));
  }

  async subscribe(
    channel: string,
    handler: (message: string) => void,
  ): Promise<() => Promise<void>> {
    const subscriber = this.subscriber;
    if (!subscriber) throw new Error('RedisStore.connect() was not called');
    const name = this.prefix + channel;
    const listener = (message: string) => handler(message);
    await command(() => subscriber.subscribe(name, listener));
    return async () => {
      await subscriber.unsubscribe(name, listener);
    };
  }

  async ping(): Promise<void> {
    if (!this.client.isReady) throw new Error('Redis is not connected');
    await this.client.ping();
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.subscriber?.close(), this.client.close()]);
  }
}
