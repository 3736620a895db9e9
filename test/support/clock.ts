import type { Clock } from '../../src/common/clock.js';

/**
 * The system clock plus an offset the test moves forward, so a test passes a lifespan or a
 * window at once instead of sleeping through it. Give it to `startProvider({ clock })`.
 */
export class MovableClock implements Clock {
  private offset = 0;

  now(): number {
    return Date.now() + this.offset;
  }

  advance(ms: number): void {
    this.offset += ms;
  }

  /**
   * Moves the clock back: what the provider issues meanwhile is already old by the real time
   * that a verifier outside it (a resource server, a relying party's library) reads.
   */
  rewind(ms: number): void {
    this.offset -= ms;
  }
}
