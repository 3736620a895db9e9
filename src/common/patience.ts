import { setTimeout as delay } from 'node:timers/promises';

/**
 * Patience for work another request or instance is doing, seen through the shared store: each
 * call waits a pause of growing length (10 ms doubling up to 200 ms, with jitter) and answers
 * true, until `totalMs` have passed; then it answers false at once.
 */
export function patience(totalMs: number): () => Promise<boolean> {
  const deadline = performance.now() + totalMs;
  let pause = 10;
  return async () => {
    if (performance.now() >= deadline) return false;
    await delay(pause + Math.random() * pause);
    pause = Math.min(pause * 2, 200);
    return true;
  };
}
