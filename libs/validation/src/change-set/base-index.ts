import { endsAfter, RECORD_CHUNK_RULE } from '../stored-form/boundaries';
import type { BaseSection } from './base-records';
import { recordDigest, addDigest } from './record-digest';
import type { RecordFacts } from './record-facts';

/**
 * What SaveChanges keeps of a committed epoch between saves (DESIGN §5 "Change sets"), per
 * system: each record's digest and their sum (which ids the base holds, the expectations), what
 * the cross-record rules read of each record (references, claims, parents: record-facts.ts) with
 * the claims and incoming references gathered, and the epoch's record chunks in order with the
 * last id of each, so the chunks holding an id are found by binary search. It answers a change
 * set's cross-record checks in O(change) (fast-check.ts) and says which chunks a change rewrites
 * (incremental-cut.ts). It is bound to the epoch's meta digest, so it is used only for the very
 * epoch it describes.
 */
export interface BaseIndex {
  worldId: string;
  epoch: bigint;
  /** The epoch's meta digest: an index is used only when the base read has this digest. */
  digest: string;
  sections: IndexSection[];
  /** refKey(system, id) → how many records of the epoch reference that record (targets only). */
  incoming: Map<string, number>;
  /** Bytes the index holds, estimated (indexBytes): kept up to date as it is advanced. */
  bytes: number;
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
  /** Whether the chunk ended by its last id (not by the byte cap before the next record, nor the section's end). */
  endsById: boolean;
}

/** One system of an index. */
export interface IndexSection extends DigestSection {
  /** Record id → its facts, for records that reference, claim or have a parent. */
  facts: Map<string, RecordFacts>;
  /** Claim key (RecordFacts.claims) → the id of the record that claims it. */
  claims: Map<string, string>;
  /** The record chunks in order (stored form 2's leaves). */
  leaves: Leaf[];
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
  return { id, lastId, records, endsById: records > 0 && endsAfter(lastId, lastEntryBytes, bytes, RECORD_CHUNK_RULE) };
}

/**
 * The parts of an index's estimate (indexBytes), per record and per fact: V8's strings, Map
 * entries, objects and arrays. Measured on the bench's L world (250,000 records, ids by owner):
 * heap 530 bytes a record, the estimate within a few percent of it.
 */
export const INDEX_COST = {
  base: 256,
  /** A digest entry: the id string, a 256-bit BigInt, the Map slot. */
  record: 170,
  /** A facts entry: its object, two arrays, the Map slot (the id string is shared with the digests). */
  facts: 190,
  /** One reference or claim string (plus 2 bytes a character). */
  fact: 56,
  /** An incoming-count or claim-owner Map entry (plus its key string). */
  entry: 84,
  leaf: 160,
} as const;

/** Bytes of one record's facts as INDEX_COST counts them (its claim-owner entries included). */
export function factsBytes(f: RecordFacts): number {
  let bytes = INDEX_COST.facts;
  for (const r of f.refs) bytes += INDEX_COST.fact + 2 * r.length;
  for (const c of f.claims) bytes += INDEX_COST.fact + INDEX_COST.entry + 4 * c.length;
  if (f.parent !== undefined) bytes += INDEX_COST.fact + 2 * f.parent.length;
  return bytes;
}

const hasFacts = (f: RecordFacts) => f.refs.length > 0 || f.claims.length > 0 || f.parent !== undefined;

/** What an index is built from, per system in restore order: ids in canonical order, their facts and digests, and the record chunks. */
export interface IndexSource {
  ids: readonly string[];
  factsAt(i: number): RecordFacts;
  digests: DigestSection;
  leaves: Leaf[];
}

/** An epoch's index, from each section's records (whatever read them) and record chunks. */
export function buildIndex(worldId: string, epoch: bigint, digest: string, sources: readonly IndexSource[]): BaseIndex {
  const incoming = new Map<string, number>();
  let bytes = INDEX_COST.base;
  const sections = sources.map((src): IndexSection => {
    const facts = new Map<string, RecordFacts>();
    const claims = new Map<string, string>();
    src.ids.forEach((id, i) => {
      bytes += INDEX_COST.record + 2 * id.length;
      const f = src.factsAt(i);
      if (!hasFacts(f)) return;
      facts.set(id, f);
      bytes += factsBytes(f);
      for (const c of f.claims) claims.set(c, id);
      for (const r of f.refs) {
        const n = incoming.get(r);
        if (n === undefined) bytes += INDEX_COST.entry + 2 * r.length;
        incoming.set(r, (n ?? 0) + 1);
      }
    });
    bytes += src.leaves.length * INDEX_COST.leaf;
    return { ...src.digests, facts, claims, leaves: src.leaves };
  });
  return { worldId, epoch, digest, sections, incoming, bytes };
}

/** Bytes an index holds, estimated: what PERSISTD_INDEX_CACHE_BYTES bounds. */
export function indexBytes(index: BaseIndex): number {
  return index.bytes;
}

/** The digests of an index alone (what applying a change set to the whole base reads). */
export function digestsOfIndex(index: BaseIndex): DigestSection[] {
  return index.sections.map(({ digests, sum }) => ({ digests, sum }));
}
