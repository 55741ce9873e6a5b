import { endsAfter, RECORD_CHUNK_RULE } from '../stored-form/boundaries';
import type { BaseSection } from './base-records';
import { recordDigest, addDigest } from './record-digest';
import { digestAt, type IndexSection } from './index-rows';

/**
 * What SaveChanges keeps of a committed epoch between saves (DESIGN §5 "Change sets"), per
 * system (index-rows.ts): each record's digest and their sum (which ids the base holds, the
 * expectations), what the cross-record rules read of each record (references, claims, parents:
 * record-facts.ts) with the claims and incoming references gathered, and the epoch's record
 * chunks in order with the last id of each, so the chunks holding an id are found by binary
 * search. It answers a change set's cross-record checks in O(change) (fast-check.ts) and says
 * which chunks a change rewrites (incremental-cut.ts). It is bound to the epoch's meta digest,
 * so it is used only for the very epoch it describes.
 */
export interface BaseIndex {
  worldId: string;
  epoch: bigint;
  /** The epoch's meta digest: an index is used only when the base read has this digest. */
  digest: string;
  sections: IndexSection[];
}

/** Each record's digest by id, and their sum: what the expectations read. */
export interface DigestSection {
  /** Record id → SHA-256 of its canonical bytes, as an integer (record-digest.ts). */
  digests: Map<string, bigint>;
  /** Their sum modulo 2^256. */
  sum: bigint;
}

/** One record chunk of a section, as the index lists it. */
export interface Leaf {
  /** The chunk id. */
  id: string;
  /** The id of its last record ('' for the empty section's chunk). */
  lastId: string;
  records: number;
  /** The chunk's stored size: an epoch's stored_bytes counts the chunks it keeps from its base without reading them. */
  bytes: number;
  /** Whether the chunk ended by its last id (not by the byte cap before the next record, nor the section's end). */
  endsById: boolean;
}

/** One system's digests from its base records (each record's canonical bytes hashed once). */
export function digestSection(base: BaseSection): DigestSection {
  const digests = new Map<string, bigint>();
  let sum = 0n;
  base.ids.forEach((id, i) => {
    const d = recordDigest(base.entries[i].subarray(base.bodyAt[i]));
    digests.set(id, d);
    sum = addDigest(sum, d);
  });
  return { digests, sum };
}

/** A section's leaf from a stored record chunk: its last record's id and entry size say how it ended. */
export function leafOf(id: string, bytes: number, records: number, lastId: string, lastEntryBytes: number): Leaf {
  return { id, lastId, records, bytes, endsById: records > 0 && endsAfter(lastId, lastEntryBytes, bytes, RECORD_CHUNK_RULE) };
}

/**
 * V8's sizes behind the estimate (indexBytes), without pointer compression (Node's default): an
 * array element, a Map entry (three pointers and a bucket share, at the load a growing table
 * averages), a leaf object with its chunk id string; and the fixed parts. Checked against the
 * heap by index-bytes.spec.ts on a generated world.
 */
export const INDEX_COST = {
  base: 512,
  section: 1792,
  element: 8,
  mapEntry: 40,
  leaf: 176,
} as const;

/** V8's backing store of an array grown by appends to `length` elements (new capacity = old × 1.5 + 16). */
function appendedCapacity(length: number): number {
  let capacity = 0;
  while (capacity < length) capacity += (capacity >> 1) + 16;
  return capacity;
}

/** Bytes one section holds, estimated from its sizes: typed arrays exactly, strings as counted, arrays and Maps as V8 lays them out. */
function sectionBytes(s: IndexSection): number {
  const typed = s.present.byteLength + s.digestWords.byteLength + s.incoming.byteLength + s.refs.byteLength + s.rowTable.slots.byteLength + s.claims.slots.byteLength;
  const arrays = (appendedCapacity(s.idAt.length) + appendedCapacity(s.claimAt.length) + appendedCapacity(s.free.length)) * INDEX_COST.element;
  return INDEX_COST.section + typed + arrays + s.stringBytes + s.parents.size * INDEX_COST.mapEntry + s.leaves.length * INDEX_COST.leaf;
}

/** Bytes an index holds, estimated: what PERSISTD_INDEX_CACHE_BYTES bounds. O(sections). */
export function indexBytes(index: BaseIndex): number {
  return index.sections.reduce<number>((n, s) => n + sectionBytes(s), INDEX_COST.base);
}

/** The digests of an index alone, as Maps (what applying a change set to the whole base reads: it costs the world anyway). */
export function digestsOfIndex(index: BaseIndex): DigestSection[] {
  return index.sections.map((s) => {
    const digests = new Map<string, bigint>();
    for (let row = 0; row < s.rows; row++) if (s.present[row] === 1) digests.set(s.idAt[row]!, digestAt(s, row));
    return { digests, sum: s.sum };
  });
}
