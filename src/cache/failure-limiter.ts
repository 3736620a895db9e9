import type { Clock } from '../common/clock.js';
import { patience } from '../common/patience.js';
import type { ShortLivedStore } from './short-lived-store.js';

/** Authelia's regulation triple: `maxFailures` within `findTime` ban for `banTime` (ms). */
export interface FailureLimit {
  /** 0 turns the limit off. */
  maxFailures: number;
  findTime: number;
  banTime: number;
}

/** A place held for an attempt whose outcome is not known yet; settle it exactly once. */
export interface Reservation {
  /** The credentials were wrong: counts the failure and bans at the limit. */
  failed(): Promise<void>;
  /** The credentials were right: frees the place (and forgets the failures, when asked to). */
  succeeded(): Promise<void>;
  /** The attempt ended for a server reason: frees the place, counts nothing. */
  abandoned(): Promise<void>;
}

/** Why `reserve` found no place. */
export type NoPlace = 'banned' | 'busy';

/** How long an attempt waits by default for attempts in flight before it is refused as busy. */
const RESERVE_WAIT_MS = 5_000;
/** An attempt in flight is forgotten after this long: an instance may stop before settling it. */
const IN_FLIGHT_TTL_MS = 15_000;

/**
 * Counts failed attempts per subject in the shared store, so every instance counts together,
 * and bans a subject that reaches `maxFailures` within `findTime`. A ban's value is its end on
 * the injectable clock (tests pass it without waiting); the store entry merely outlives it.
 *
 * Only failures count. An attempt whose outcome is not known yet reserves a place first
 * (`reserve`): failures so far plus attempts in flight never exceed the limit, so parallel
 * guesses cannot get more than `maxFailures` through before their failures land, while
 * parallel right answers only wait for each other. Where the reads and writes of two
 * instances interleave, their order keeps the count from ever reading low: a reservation is
 * counted before the failures are read, and the ban is read after them; a failure is counted
 * before its reservation is freed, and a ban is stored before the failures it ends are cleared.
 */
export class FailureLimiter {
  constructor(
    private readonly store: ShortLivedStore,
    private readonly clock: Clock,
    /** Key prefix of this kind of subject, e.g. `regulation:user`. */
    private readonly prefix: string,
    private readonly limit: FailureLimit,
    private readonly options: {
      /** Whether a success forgets the failures before it (Authelia: yes for users). */
      successForgets?: boolean;
      /** How long an attempt may wait for attempts in flight before it is refused as busy. */
      waitMs?: number;
    } = {},
  ) {}

  get enabled(): boolean {
    return this.limit.maxFailures > 0;
  }

  /** Milliseconds until the subject's ban ends; 0 when it is not banned. */
  async bannedFor(subject: string): Promise<number> {
    if (!this.enabled) return 0;
    return this.remaining(await this.store.get(this.banKey(subject)));
  }

  /**
   * Reserves a place for an attempt on `counter` (a subject, or one kind of attempt of it), under
   * the ban of `subject`. While the places are held by attempts in flight, waits for them (they
   * may succeed and free theirs) up to `waitMs`, then gives up: `busy`.
   */
  async reserve(subject: string, counter = subject): Promise<Reservation | NoPlace> {
    if (!this.enabled) return UNLIMITED;
    const wait = patience(this.options.waitMs ?? RESERVE_WAIT_MS);
    for (;;) {
      // In this order: see the note on the class.
      const [inFlight, failures, ban] = await Promise.all([
        this.store.increment(this.inFlightKey(counter), IN_FLIGHT_TTL_MS),
        this.store.get(this.failuresKey(counter)),
        this.store.get(this.banKey(subject)),
      ]);
      const failed = Number(failures ?? 0);
      if (this.remaining(ban) === 0 && failed + inFlight <= this.limit.maxFailures) {
        return this.reservation(subject, counter);
      }
      await this.store.decrement(this.inFlightKey(counter));
      if (this.remaining(ban) > 0) return 'banned';
      if (failed >= this.limit.maxFailures || !(await wait())) return 'busy';
    }
  }

  /** A failure of an attempt that held no place: counts it and bans `subject` at the limit. */
  async fail(subject: string, counter = subject): Promise<void> {
    if (!this.enabled) return;
    const { maxFailures, findTime, banTime } = this.limit;
    const failures = await this.store.increment(this.failuresKey(counter), findTime);
    if (failures < maxFailures) return;
    await this.store.put(this.banKey(subject), String(this.clock.now() + banTime), banTime);
    // The next window starts after the ban, not with the failures that caused it.
    await this.store.delete(this.failuresKey(counter));
  }

  private reservation(subject: string, counter: string): Reservation {
    let settled = false;
    const settle = async (count: () => Promise<void>) => {
      if (settled) return;
      settled = true;
      try {
        await count();
      } finally {
        await this.store.decrement(this.inFlightKey(counter));
      }
    };
    return {
      failed: () => settle(() => this.fail(subject, counter)),
      succeeded: () =>
        settle(async () => {
          if (this.options.successForgets) await this.store.delete(this.failuresKey(counter));
        }),
      abandoned: () => settle(async () => {}),
    };
  }

  private remaining(ban: string | null): number {
    return ban === null ? 0 : Math.max(0, Number(ban) - this.clock.now());
  }

  private failuresKey(counter: string): string {
    return `${this.prefix}:failures:${counter}`;
  }

  private inFlightKey(counter: string): string {
    return `${this.prefix}:in-flight:${counter}`;
  }

  private banKey(subject: string): string {
    return `${this.prefix}:ban:${subject}`;
  }
}

const settledAlready = () => Promise.resolve();
/** The reservation of a limiter that is off: nothing to count. */
const UNLIMITED: Reservation = {
  failed: settledAlready,
  succeeded: settledAlready,
  abandoned: settledAlready,
};

/**
 * Runs the check of a reserved attempt and settles the reservation with its outcome. A check
 * that throws (a server reason: an outage, a bug) abandons the attempt, so it counts nothing,
 * and the error goes on.
 */
export async function settleAttempt<T>(
  reservation: Reservation,
  check: () => Promise<T>,
  succeeded: (outcome: T) => boolean,
): Promise<T> {
  let outcome: T;
  try {
    outcome = await check();
  } catch (e) {
    await reservation.abandoned().catch(() => undefined);
    throw e;
  }
  await (succeeded(outcome) ? reservation.succeeded() : reservation.failed());
  return outcome;
}
