import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { terminate } from '@persistd/testkit';

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child is gone. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  await terminate(child, 'SIGTERM', graceMs);
}

/** Peak resident set size of a process since start or the last resetPeakRss (VmHWM), in bytes; NaN if unreadable. */
export function peakRss(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Resets a process's VmHWM to its current RSS (Linux: `5` to /proc/<pid>/clear_refs); false when not allowed. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** CPU time a process (all its threads) has used, in ms, from /proc/<pid>/stat (utime + stime). */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat(5), counted after the command name: utime, stime, in clock ticks (100 Hz on Linux).
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/**
 * Resolves once a process has used under `share` of a core (2%) over `quietMs` (its background
 * work done: a daemon indexing the world it just restored, say), or after `capMs` whatever it
 * does. Returns how long it waited.
 */
export async function untilIdle(pid: number, quietMs = 300, capMs = 30_000, share = 0.02): Promise<number> {
  const t0 = Date.now();
  for (let before = processCpuMs(pid); Date.now() - t0 < capMs; ) {
    await sleep(quietMs);
    const now = processCpuMs(pid);
    if (now - before < quietMs * share) break;
    before = now;
  }
  return Date.now() - t0;
}
