/**
 * Short-lived, shared state: codes, interactions, replay caches, deny lists, rate limits and
 * change notifications, sets of a user's access tokens. Redis in a deployment; process memory on the embedded default.
 * Values are strings: callers serialise what they store.
 */
export abstract class ShortLivedStore {
  /** Stores a value that expires after `ttlMs`. */
  abstract put(key: string, value: string, ttlMs: number): Promise<void>;
  /** Reads a value without consuming it. */
  abstract get(key: string): Promise<string | null>;
  /** Atomically reads and deletes: of concurrent takers across instances, at most one gets the value. */
  abstract take(key: string): Promise<string | null>;
  /** Stores only if the key is absent; true if this call stored it (replay detection). */
  abstract putIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Increments a counter; the first increment starts its `ttlMs` window. Returns the new count. */
  abstract increment(key: string, ttlMs: number): Promise<number>;
  /**
   * Undoes one `increment`, keeping its window; never below zero, and the key is gone at zero.
   * Returns the new count.
   */
  abstract decrement(key: string): Promise<number>;
  abstract delete(key: string): Promise<void>;
  /** Adds a member to a set, which then lives at least `ttlMs` more (never less than before). */
  abstract addToSet(key: string, member: string, ttlMs: number): Promise<void>;
  /** Atomically reads and deletes a set: of concurrent takers, one gets the members. */
  abstract takeSet(key: string): Promise<string[]>;
  /** Sends a message to every instance subscribed to the channel, this one included. */
  abstract publish(channel: string, message: string): Promise<void>;
  /** Listens to a channel; returns a function that stops listening. */
  abstract subscribe(
    channel: string,
    handler: (message: string) => void,
  ): Promise<() => Promise<void>>;
  /** Throws when the store cannot serve requests (readiness). */
  abstract ping(): Promise<void>;
  abstract close(): Promise<void>;
}
