import { CUT_AFTER, CUT_BEFORE, ChunkCutter, RECORD_CHUNK_RULE } from '../stored-form/boundaries';
import { compareIds } from '../stored-form/canonical';
import { chunkOf, type Chunk } from '../stored-form/chunks';
import type { Leaf } from './base-index';
import type { UpsertFacts } from './upsert-facts';

/**
 * Stored form 2's record chunks of a section after a change, cut from the base's chunks and the
 * change alone (DESIGN §5: "a change rewrites the chunk holding it and, where a boundary moves,
 * the chunks up to where boundaries line up again"). The cutter's state after a chunk that ended
 * by its last id is the empty state of a section's start (boundaries.ts ChunkCutter), so:
 *   - a re-cut starts at the first chunk holding a change, moved back while the chunk before it
 *     ended by the cap (then the state there was not empty);
 *   - it runs on, through the base's following chunks, until one of its cuts falls on the end of
 *     a base chunk with no change left before the next chunk: from there on the base's chunks
 *     are what a whole cut would make, and are kept without being read.
 * The chunks are the very ones a Save of the result cuts: a property test holds this.
 */

/** A base chunk's records, split (not decoded), as read from the store. */
export interface LeafRecords {
  ids: readonly string[];
  entries: readonly Uint8Array[];
}

/** The re-cut needs base chunks it was not given (their indexes in the base's leaves). */
export class LeavesNeeded extends Error {
  constructor(
    readonly leaves: number[],
    /** The section (restore order), once known. */
    readonly section = -1,
  ) {
    super(`incremental cut: base chunks ${leaves.join(', ')} of section ${section} are needed`);
  }
}

/** A section re-cut: its leaves and record chunks in order (kept ones `inBase`, without bytes), and how many records it holds. */
export interface RecutSection {
  leaves: Leaf[];
  chunks: Chunk[];
  records: number;
}

const NONE: LeafRecords = { ids: [], entries: [] };
const EMPTY_BYTES = new Uint8Array(0);

/** The first leaf whose last id is at or after `id` (the last leaf when none is). */
export function leafFor(leaves: readonly Leaf[], id: string): number {
  let lo = 0;
  let hi = leaves.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareIds(leaves[mid].lastId, id) >= 0) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Where a re-cut for `id` starts: its leaf, moved back over leaves that ended by the cap (never before `floor`). */
export function recutStart(leaves: readonly Leaf[], id: string, floor = 0): number {
  let a = Math.max(floor, leafFor(leaves, id));
  while (a > floor && !leaves[a - 1].endsById) a--;
  return a;
}

/**
 * Re-cuts a section: `base` its leaves, `upserts` sorted by id, `deletes` ids it holds. `read`
 * gives a base leaf's records, or undefined when not at hand (then LeavesNeeded is thrown).
 */
export function recutSection(base: readonly Leaf[], upserts: readonly UpsertFacts[], deletes: readonly string[], read: (leaf: number) => LeafRecords | undefined): RecutSection {
  type Change = { id: string; up?: UpsertFacts };
  const changes: Change[] = [...upserts.map((u) => ({ id: u.id, up: u })), ...deletes.map((id) => ({ id }))].sort((x, y) => compareIds(x.id, y.id));
  const m = base.length;
  const leaves: Leaf[] = [];
  const chunks: Chunk[] = [];
  let records = 0;
  const cutter = new ChunkCutter(RECORD_CHUNK_RULE);
  let pendingIds: string[] = [];
  let pending: Uint8Array[] = [];
  const close = (endsById: boolean) => {
    const chunk = chunkOf(pending.length === 1 ? pending[0] : Buffer.concat(pending), pending.length);
    leaves.push({ id: chunk.id, lastId: pendingIds[pendingIds.length - 1], records: pending.length, bytes: chunk.bytes.byteLength, endsById });
    chunks.push(chunk);
    records += pending.length;
    pendingIds = [];
    pending = [];
  };
  const emit = (id: string, entry: Uint8Array) => {
    const cuts = cutter.add(id, entry.byteLength);
    if (cuts & CUT_BEFORE) close(false);
    pendingIds.push(id);
    pending.push(entry);
    if (cuts & CUT_AFTER) close(true);
  };
  const insert = (c: Change) => {
    if (!c.up) throw new Error(`incremental cut: ${c.id} is deleted but not in the base`);
    emit(c.id, c.up.entry);
  };
  const keep = (j: number) => {
    const leaf = base[j];
    leaves.push(leaf);
    chunks.push({ id: leaf.id, bytes: EMPTY_BYTES, records: leaf.records, inBase: true, storedBytes: leaf.bytes });
    records += leaf.records;
  };

  let ci = 0;
  let li = 0;
  while (ci < changes.length) {
    const a = recutStart(base, changes[ci].id, li);
    for (let j = li; j < a; j++) keep(j);
    let k = a;
    for (;;) {
      const leaf = base[k].records === 0 ? NONE : read(k);
      if (!leaf) throw new LeavesNeeded([k]);
      for (let i = 0; i < leaf.ids.length; i++) {
        const id = leaf.ids[i];
        while (ci < changes.length && compareIds(changes[ci].id, id) < 0) insert(changes[ci++]);
        if (ci < changes.length && changes[ci].id === id) {
          const c = changes[ci++];
          if (c.up) emit(id, c.up.entry);
          continue;
        }
        emit(id, leaf.entries[i]);
      }
      k++;
      if (k === m) {
        while (ci < changes.length) insert(changes[ci++]);
        if (pending.length > 0) close(false);
        break;
      }
      // A cut on this base boundary, and nothing left to change before the next leaf: realigned.
      if (cutter.entries === 0 && (ci >= changes.length || leafFor(base, changes[ci].id) >= k)) break;
    }
    li = k;
  }
  for (let j = li; j < m; j++) keep(j);
  if (leaves.length === 0) {
    const empty = chunkOf(EMPTY_BYTES, 0);
    leaves.push({ id: empty.id, lastId: '', records: 0, bytes: 0, endsById: false });
    chunks.push(empty);
  }
  return { leaves, chunks, records };
}

/** The base leaves a change will read first: each change's re-cut start and the leaf holding it. */
export function leavesToRead(base: readonly Leaf[], ids: Iterable<string>): Set<number> {
  const out = new Set<number>();
  for (const id of ids) {
    const at = leafFor(base, id);
    for (let j = recutStart(base, id); j <= at; j++) if (base[j].records > 0) out.add(j);
  }
  return out;
}
