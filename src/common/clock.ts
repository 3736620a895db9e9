/** Injection token of the clock; tests give services one they can move. */
export const CLOCK = Symbol('CLOCK');

/** The current time in milliseconds since the epoch, as `Date.now()`. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
