import { addDigest, setDigestHex, subtractDigest } from '@persistd/contract';
import type { SectionChangeSet } from './diff-snapshot';
import { recordId, SECTIONS, type SectionKey } from './sections';
import { digestRecord, dropDigest, putDigest, type WorldMemory } from './world-memory';

/**
 * Changes a game server tracked itself for one system: records added or replaced whole, ids
 * removed, and optionally what it holds for the section afterwards (its own count and set digest,
 * e.g. kept with `sectionExpectations`). Without them the SDK derives the expectations from its
 * memory of the base and these changes.
 */
export interface TrackedSection<R = unknown> {
  upserts?: readonly R[];
  deletes?: readonly string[];
  expectedCount?: number;
  expectedDigest?: string;
}

export type TrackedChanges = Partial<Record<SectionKey, TrackedSection>>;

/**
 * The expectations of each section after the changes, computed in O(change) from the base's
 * digests: only ids the changes name are looked at. An overlay stands for the ids they touch,
 * so an id upserted twice or upserted and deleted still counts once (the daemon refuses those
 * anyway; the overlay only keeps the arithmetic sound).
 */
export function trackedChangeSet(base: WorldMemory, tracked: TrackedChanges): { sections: Record<SectionKey, SectionChangeSet>; records: number } {
  const sections = {} as Record<SectionKey, SectionChangeSet>;
  let records = 0;
  for (const shape of SECTIONS) {
    const t = tracked[shape.key] ?? {};
    const held = base.sections[shape.key];
    const overlay = new Map<string, bigint | null>();
    const current = (id: string) => (overlay.has(id) ? overlay.get(id) : held.digests.get(id));
    let count = held.digests.size;
    let sum = held.sum;
    for (const id of t.deletes ?? []) {
      const old = current(id);
      if (old === undefined || old === null) continue;
      count--;
      sum = subtractDigest(sum, old);
      overlay.set(id, null);
    }
    for (const r of t.upserts ?? []) {
      const id = recordId(shape, r);
      const old = current(id);
      if (old === undefined || old === null) count++;
      else sum = subtractDigest(sum, old);
      const { digest } = digestRecord(shape, r);
      sum = addDigest(sum, digest);
      overlay.set(id, digest);
    }
    const upserts = [...(t.upserts ?? [])];
    const deletes = [...(t.deletes ?? [])];
    records += upserts.length + deletes.length;
    sections[shape.key] = {
      upserts,
      deletes,
      expectedCount: t.expectedCount ?? count,
      expectedDigest: t.expectedDigest ?? setDigestHex(sum),
    };
  }
  return { sections, records };
}

/**
 * Applies a committed change set to the memory of its base, in place, in O(change): deletes,
 * then upserts (DESIGN §3: the result is the base minus deletes, upserts replacing or adding).
 */
export function applyToMemory(base: WorldMemory, sections: Record<SectionKey, SectionChangeSet>): void {
  for (const shape of SECTIONS) {
    const mem = base.sections[shape.key];
    for (const id of sections[shape.key].deletes) dropDigest(mem, id);
    for (const r of sections[shape.key].upserts) putDigest(mem, recordId(shape, r), digestRecord(shape, r).digest);
  }
}

/**
 * The expectations of a section a game server holds whole (its count and set digest), for
 * `TrackedSection.expectedCount`/`expectedDigest`: a game server that keeps its own state's
 * digest lets the daemon refuse a change set that forgot a record.
 */
export function sectionExpectations(key: SectionKey, records: readonly unknown[]): { expectedCount: number; expectedDigest: string } {
  const shape = SECTIONS.find((s) => s.key === key)!;
  let sum = 0n;
  for (const r of records) sum = addDigest(sum, digestRecord(shape, r).digest);
  return { expectedCount: records.length, expectedDigest: setDigestHex(sum) };
}
