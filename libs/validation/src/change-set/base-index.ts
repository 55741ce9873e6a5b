import type { BaseRecords, BaseSection } from './base-records';
import { addDigest, recordDigest } from './record-digest';

/**
 * What SaveChanges keeps of a committed epoch between saves (DESIGN §5 "Change sets"): per
 * system, each record's digest by id and their sum. It answers, in O(change), which ids the base
 * holds (a delete of an absent id) and the expectations' count and digest; it is bound to the
 * epoch's meta digest, so it is used only for the very epoch it describes.
 */
export interface BaseIndex {
  worldId: string;
  epoch: bigint;
  /** The epoch's meta digest: an index is used only when the base read has this digest. */
  digest: string;
  sections: IndexSection[];
}

/** One system of an index. */
export interface IndexSection {
  /** Record id → SHA-256 of its canonical bytes, as an integer (record-digest.ts). */
  digests: Map<string, bigint>;
  /** Their sum modulo 2^256. */
  sum: bigint;
}

/** One system's index from its base records (each record's canonical bytes hashed once). */
export function indexSection(base: BaseSection): IndexSection {
  const digests = new Map<string, bigint>();
  let sum = 0n;
  base.ids.forEach((id, i) => {
    const d = recordDigest(base.entries[i].subarray(base.bodyAt[i]));
    digests.set(id, d);
    sum = addDigest(sum, d);
  });
  return { digests, sum };
}

/** The index of a stored epoch, from its records as read (base-records.ts). */
export function indexOfBase(worldId: string, digest: string, base: BaseRecords): BaseIndex {
  return { worldId, epoch: base.epoch, digest, sections: base.sections.map(indexSection) };
}

/** Bytes an index holds, estimated: what PERSISTD_INDEX_CACHE_BYTES bounds (about 120 bytes a record plus its id). */
export function indexBytes(index: BaseIndex): number {
  let bytes = 256;
  for (const s of index.sections) for (const id of s.digests.keys()) bytes += 120 + 2 * id.length;
  return bytes;
}
