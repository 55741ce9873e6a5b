import { addDigest, setDigestHex, type WorldSnapshot } from '@persistd/contract';
import { recordId, SECTIONS, type SectionKey } from './sections';
import { digestRecord, emptySection, type SectionMemory, type WorldMemory } from './world-memory';

/** One system's part of a change set, with the expectations of what the section holds afterwards. */
export interface SectionChangeSet {
  upserts: unknown[];
  deletes: string[];
  expectedCount: number;
  expectedDigest: string;
}

/** A snapshot compared with what the committed epoch holds. */
export interface SnapshotDiff {
  /** The snapshot's records as a memory: what the world holds once this snapshot commits. */
  next: Record<SectionKey, SectionMemory>;
  /** Canonical bytes of every record of the snapshot. */
  snapshotBytes: number;
  /** Records in the snapshot. */
  snapshotRecords: number;
  /** The change set against the base, when there was a base to compare with. */
  changes?: {
    sections: Record<SectionKey, SectionChangeSet>;
    /** Canonical bytes of the upserts plus the deleted ids: what the change set carries. */
    bytes: number;
    /** Upserts plus deletes. */
    records: number;
  };
}

/**
 * Digests every record of a snapshot (one pass, O(world) hashing, no copy kept) and, given the
 * memory of its base, lists what changed: records whose digest differs or that are new are
 * upserts, ids the base held that the snapshot lacks are deletes. The expectations are the
 * snapshot's own count and set digest, so the daemon refuses a result that is not this snapshot.
 *
 * Undefined when the snapshot cannot be compared (a section absent, an id twice): such a
 * snapshot goes as a whole Save, whose refusal names the fault as DESIGN §4 says.
 */
export function diffSnapshot(snapshot: WorldSnapshot, base: WorldMemory | undefined): SnapshotDiff | undefined {
  const next = {} as Record<SectionKey, SectionMemory>;
  const sections = {} as Record<SectionKey, SectionChangeSet>;
  let snapshotBytes = 0;
  let snapshotRecords = 0;
  let changeBytes = 0;
  let changeRecords = 0;
  for (const shape of SECTIONS) {
    const section = snapshot[shape.key] as unknown as Record<string, unknown> | undefined;
    if (!section) return undefined;
    const records = section[shape.recordsField] as unknown[];
    const held = base?.sections[shape.key].digests;
    const mem = emptySection();
    const upserts: unknown[] = [];
    for (const r of records) {
      const id = recordId(shape, r);
      if (mem.digests.has(id)) return undefined;
      const { digest, bytes } = digestRecord(shape, r);
      mem.digests.set(id, digest);
      mem.sum = addDigest(mem.sum, digest);
      snapshotBytes += bytes;
      if (held?.get(id) !== digest) {
        upserts.push(r);
        changeBytes += bytes;
      }
    }
    const deletes: string[] = [];
    if (held) for (const id of held.keys()) if (!mem.digests.has(id)) deletes.push(id);
    deletes.sort();
    for (const id of deletes) changeBytes += id.length;
    changeRecords += upserts.length + deletes.length;
    snapshotRecords += records.length;
    next[shape.key] = mem;
    sections[shape.key] = { upserts, deletes, expectedCount: records.length, expectedDigest: setDigestHex(mem.sum) };
  }
  const diff: SnapshotDiff = { next, snapshotBytes, snapshotRecords };
  if (base) diff.changes = { sections, bytes: changeBytes, records: changeRecords };
  return diff;
}
