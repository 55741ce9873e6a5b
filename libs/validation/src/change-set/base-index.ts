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

/** Bytes an index holds, estimated: what PERSISTD_INDEX_CACHE_BYTES bounds (about 120 bytes a record plus its id). */
export function indexBytes(index: BaseIndex): number {
  let bytes = 256;
  for (const s of index.sections) for (const id of s.digests.keys()) bytes += 120 + 2 * id.length;
  return bytes;
}
