/** Timing helpers of the harness; every wait is bounded. */
import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `probe` until it returns true or `timeoutMs` passes; false on timeout. */
export async function waitUntil(probe: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 25): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() >= until) return false;
    await sleep(everyMs);
  }
}
