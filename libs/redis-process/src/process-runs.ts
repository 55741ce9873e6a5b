import { readFileSync } from 'node:fs';

/**
 * True while the process runs: it exists and is not a zombie. An orphan's zombie stays in the
 * table when the init process does not reap (some containers' does not), yet it no longer runs.
 * Linux only (/proc).
 */
export function processRuns(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
