import { EventEmitter } from 'node:events';
import { ShortLivedStore } from './short-lived-store.js';

interface Entry {
  value: string;
  expiresAt: number;
}

/**
 * The embedded default: one process's memory. Single-threaded JavaScript makes each operation
 * atomic; expired entries are dropped on read and by a periodic sweep.
 */
export class MemoryStore extends ShortLivedStore {
  private readonly entries = new Map<string, Entry>();
  private readonly sets = new Map<string, { members: Set<string>; expiresAt: number }>();
  private readonly bus = new EventEmitter().setMaxListeners(0);
  private readonly sweeper = setInterval(() => this.sweep(), 30_000).unref();

  put(key: string, value: string, ttlMs: number): Promise<void> {
    this.entries.set(key, { value, expiresAt: Date.now() + ttlMs });
    return Promise.resolve();
  }

  get(key: string): Promise<string | null> {
    return Promise.resolve(this.live(key)?.value ?? null);
  }

  take(key: string): Promise<string | null> {
    const entry = this.live(key);
    this.entries.delete(key);
    return Promise.resolve(entry?.value ?? null);
  }

  putIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.live(key)) return Promise.resolve(false);
    this.entries.set(key, { value, expiresAt: Date.now() + ttlMs });
    return Promise.resolve(true);
  }

  increment(key: string, ttlMs: number): Promise<number> {
    const entry = this.live(key);
    const count = entry ? Number(entry.value) + 1 : 1;
    this.entries.set(key, {
      value: String(count),
      expiresAt: entry?.expiresAt ?? Date.now() + ttlMs,
    });
    return Promise.resolve(count);
  }

  decrement(key: string): Promise<number> {
    const entry = this.live(key);
    const count = entry ? Number(entry.value) - 1 : 0;
    if (!entry || count <= 0) {
      this.entries.delete(key);
      return Promise.resolve(0);
    }
    entry.value = String(count);
    return Promise.resolve(count);
  }

  delete(key: string): Promise<void> {
    this.entries.delete(key);
    this.sets.delete(key);
    return Promise.resolve();
  }

  addToSet(key: string, member: string, ttlMs: number): Promise<void> {
    const now = Date.now();
    let set = this.sets.get(key);
    if (!set || set.expiresAt <= now)
      this.sets.set(key, (set = { members: new Set(), expiresAt: 0 }));
    set.members.add(member);
    set.expiresAt = Math.max(set.expiresAt, now + ttlMs);
    return Promise.resolve();
  }

  takeSet(key: string): Promise<string[]> {
    const set = this.sets.get(key);
    this.sets.delete(key);
    return Promise.resolve(set && set.expiresAt > Date.now() ? [...set.members] : []);
  }

  publish(channel: string, message: string): Promise<void> {
    // Delivered asynchronously, as Redis would.
    setImmediate(() => this.bus.emit(channel, message));
    return Promise.resolve();
  }

  subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>> {
    this.bus.on(channel, handler);
    return Promise.resolve(() => {
      this.bus.off(channel, handler);
      return Promise.resolve();
    });
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    clearInterval(this.sweeper);
    this.bus.removeAllListeners();
    this.entries.clear();
    this.sets.clear();
    return Promise.resolve();
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep() {
    const now = Date.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
    for (const [key, set] of this.sets) if (set.expiresAt <= now) this.sets.delete(key);
  }
}
