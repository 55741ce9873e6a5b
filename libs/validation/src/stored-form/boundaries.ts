import type { StoredForm } from '@persistd/contract';

/**
 * Where chunks end, for both stored forms (DESIGN §5). A cut is a list of [from, to, bytes)
 * ranges of entry indexes; the caller writes the bytes. The parameters below are part of stored
 * form 2: changing any of them changes the chunks of the same records, which is a new form.
 * docs/stored-form.md gives the measurements that chose them.
 */

/** One chunk as entry indexes [from, to) and its byte length. */
export type ChunkRange = [from: number, to: number, bytes: number];

/** Largest chunk of stored form 1 (and every Redis value but a single larger record). */
export const CHUNK_MAX_BYTES = 1_048_576;

/** How stored form 2 cuts a run of entries. */
export interface CutRule {
  /** No content boundary before a chunk holds this many bytes. */
  minBytes: number;
  /** A chunk never grows past this: an entry that would take it further starts the next one (a larger entry stands alone). */
  maxBytes: number;
  /**
   * Past minBytes, each byte an entry adds raises the chance that the chunk ends after it by
   * (bytes past minBytes) / 2^rateLog2: a linear hazard, so sizes follow a Rayleigh law around
   * minBytes + sqrt(π·2^rateLog2 / 2) instead of a geometric one (Dolt's prolly-tree chunker
   * makes the same choice with a Weibull law).
   */
  rateLog2: number;
}

/**
 * Record chunks of stored form 2: mean about 900 bytes (some 16 records of a bench world), p99
 * about 1.7 KiB — small enough that 1% of records changed at random rewrites about a fifth of
 * the bytes (docs/stored-form.md).
 */
export const RECORD_CHUNK_RULE: Readonly<CutRule> = Object.freeze({ minBytes: 256, maxBytes: 65_536, rateLog2: 18 });

/** Index chunks of stored form 2 (32 bytes an entry): mean about 1.8 KiB, some 56 record chunks. */
export const INDEX_CHUNK_RULE: Readonly<CutRule> = Object.freeze({ minBytes: 512, maxBytes: 65_536, rateLog2: 20 });

/**
 * The hash that decides boundaries: FNV-1a 32 over the id's code units (ids are ASCII), then
 * murmur3's 32-bit finalizer. FNV-1a alone barely mixes the last characters of sequential ids
 * (`i0000001`, `i0000002`, …), which cuts runs of tiny chunks and a few huge ones.
 */
export function boundaryHash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Stored form 1: greedy by running size — a chunk takes entries while it stays at or under
 * `maxBytes`; a larger entry stands alone; no entries is one empty chunk.
 */
export function greedyRanges(n: number, entrySize: (k: number) => number, maxBytes = CHUNK_MAX_BYTES): ChunkRange[] {
  const out: ChunkRange[] = [];
  let from = 0;
  let size = 0;
  for (let k = 0; k < n; k++) {
    const entry = entrySize(k);
    if (k > from && size + entry > maxBytes) {
      out.push([from, k, size]);
      from = k;
      size = 0;
    }
    size += entry;
  }
  if (n > from || out.length === 0) out.push([from, n, size]);
  return out;
}

/** add() found that the chunk being filled had to end before the entry (the cap). */
export const CUT_BEFORE = 1;
/** add() found that the chunk ends after the entry (its id's hash). */
export const CUT_AFTER = 2;

/**
 * Whether a chunk of `size` bytes ends after an entry of `entry` bytes with this id (the hash
 * rule of CutRule), the cap aside. Also tells, for a stored chunk, whether it ended by its last
 * id or by the cap before the next entry (SaveChanges re-cuts from a chunk's start only after a
 * chunk that ended by its id: base-index.ts, incremental-cut.ts).
 */
export function endsAfter(id: string, entry: number, size: number, rule: Readonly<CutRule>): boolean {
  return size >= rule.minBytes && boundaryHash(id) < entry * (size - rule.minBytes) * 2 ** (32 - rule.rateLog2);
}

/**
 * Stored form 2's cutter, one entry at a time: the one implementation of the rule, for a whole
 * section (contentDefinedRanges) and for SaveChanges' re-cut of a run of it (incremental-cut.ts).
 * Its state is the chunk being filled; after a cut it is empty, exactly as at a section's start,
 * which is what lets a re-cut start at any chunk that ended by its id.
 */
export class ChunkCutter {
  /** Bytes and entries of the chunk being filled. */
  size = 0;
  entries = 0;
  /** Bytes of the chunks the last add() closed, before (CUT_BEFORE) and after (CUT_AFTER) its entry. */
  closedBefore = 0;
  closedAfter = 0;

  constructor(readonly rule: Readonly<CutRule>) {}

  /** Adds an entry; answers CUT_BEFORE and/or CUT_AFTER, or 0. */
  add(id: string, entry: number): number {
    let cuts = 0;
    if (this.entries > 0 && this.size + entry > this.rule.maxBytes) {
      this.closedBefore = this.size;
      this.size = 0;
      this.entries = 0;
      cuts |= CUT_BEFORE;
    }
    this.size += entry;
    this.entries++;
    if (endsAfter(id, entry, this.size, this.rule)) {
      this.closedAfter = this.size;
      this.size = 0;
      this.entries = 0;
      cuts |= CUT_AFTER;
    }
    return cuts;
  }
}

/**
 * Stored form 2: a chunk ends after an entry whose id's boundaryHash falls below a threshold
 * that rises with the chunk's size (see CutRule), or before an entry that would take it past
 * maxBytes; no entries is one empty chunk. Boundaries depend on the entries alone, so the same
 * records give the same chunks whatever came before. Integer arithmetic in doubles: the
 * threshold is exact below 2^53 and beyond it exceeds every hash, so any runtime cuts alike.
 */
export function contentDefinedRanges(n: number, entrySize: (k: number) => number, idAt: (k: number) => string, rule: Readonly<CutRule>): ChunkRange[] {
  const out: ChunkRange[] = [];
  const cut = new ChunkCutter(rule);
  let from = 0;
  for (let k = 0; k < n; k++) {
    const cuts = cut.add(idAt(k), entrySize(k));
    if (cuts & CUT_BEFORE) {
      out.push([from, k, cut.closedBefore]);
      from = k;
    }
    if (cuts & CUT_AFTER) {
      out.push([from, k + 1, cut.closedAfter]);
      from = k + 1;
    }
  }
  if (n > from || out.length === 0) out.push([from, n, cut.size]);
  return out;
}

/** The record chunk ranges of a section in `form`. */
export function recordChunkRanges(form: StoredForm, n: number, entrySize: (k: number) => number, idAt: (k: number) => string): ChunkRange[] {
  return form === 1 ? greedyRanges(n, entrySize) : contentDefinedRanges(n, entrySize, idAt, RECORD_CHUNK_RULE);
}

/** The stored form new epochs are written in when nobody says otherwise (PERSISTD_STORED_FORM's default). */
export const DEFAULT_STORED_FORM: StoredForm = 2;
