import { canonicalBytes } from '../canonical-record';
import type { SystemRecords } from './snapshot-context';

/** An id held by several records of one system, split by content (internal). */
export interface RepeatedId {
  readonly id: string;
  /** How many records carry each distinct content, largest first: [2, 1] = two identical + one other. */
  readonly copies: readonly number[];
}

const cache = new WeakMap<SystemRecords, readonly RepeatedId[]>();

/**
 * The ids a system holds more than once, each with its records grouped by canonical bytes, so
 * DUPLICATE_ID (same content) and OWNERSHIP_OVERLAP (other content) share one pass. Only records
 * whose id repeats are encoded; the answer does not depend on record order.
 */
export function repeatedIds(s: SystemRecords): readonly RepeatedId[] {
  const known = cache.get(s);
  if (known) return known;
  const desc = s.compiled.recordDesc;
  const out: RepeatedId[] = [];
  for (const [id, indexes] of s.repeated) {
    const byContent = new Map<string, number>();
    for (const i of indexes) {
      const key = Buffer.from(canonicalBytes(desc, s.records[i])).toString('latin1');
      byContent.set(key, (byContent.get(key) ?? 0) + 1);
    }
    out.push({ id, copies: [...byContent.values()].sort((a, b) => b - a) });
  }
  cache.set(s, out);
  return out;
}
