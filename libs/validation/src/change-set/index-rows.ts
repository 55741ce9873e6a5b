import { wordAt } from '@persistd/contract';
import type { Leaf } from './base-index';
import type { RecordFacts } from './record-facts';
import { refKey } from './record-facts';
import { emptyTable, tableDelete, tableGet, tableSet, type SlotTable } from './slot-table';

/**
 * One system of a base index (base-index.ts) as rows of typed arrays, so that an index costs
 * about a hundred bytes a record rather than the five hundred a Map of objects and strings per
 * record took: a row per record (and per id a record references but the epoch lacks, so the
 * incoming counts stay exact even then), its SHA-256 digest as four 64-bit words, its references
 * as the rows they name, its incoming count, its claims (the strings the claim map keys on) and
 * its parent. Rows freed by deletes are reused. Ids and claims are found through slot tables
 * (slot-table.ts) that hold no strings of their own. Plain data (Maps, arrays, typed arrays): an
 * index is built on a save worker and crosses to the event loop by structured clone.
 */
export interface IndexSection {
  /** The owner system this section holds (the `system` of refKey). */
  system: number;
  /** Record id → its row (keyed through idAt). */
  rowTable: SlotTable;
  /** Row → record id (undefined for a free row). */
  idAt: (string | undefined)[];
  /** Rows in use or freed (the high-water mark); capacity is present.length. */
  rows: number;
  /** Freed rows, reused first. */
  free: number[];
  /** 1 when the epoch holds the row's record (0: only referenced, or free). */
  present: Uint8Array;
  /** How many records the epoch holds: what the expectations count. */
  size: number;
  /** Each row's record digest, most significant word first. */
  digestWords: BigUint64Array;
  /** Their sum modulo 2^256. */
  sum: bigint;
  /** How many records of the epoch reference each row. */
  incoming: Int32Array;
  /** References per row (refWidth slots): the target's section × 2^28 + row + 1, 0 when unused. */
  refWidth: number;
  refs: Int32Array;
  /** Claims per row (claimWidth slots): the very strings `claims` keys on. */
  claimWidth: number;
  claimAt: (string | undefined)[];
  /** Claim key (RecordFacts.claims) → the claimAt slot that claims it (keyed through claimAt). */
  claims: SlotTable;
  /** Row → its parent's id, for records that have one. */
  parents: Map<number, string>;
  /** Bytes of the id, claim and parent strings held, as V8 lays them out (stringBytes). */
  stringBytes: number;
  /** The record chunks in order (stored form 2's leaves). */
  leaves: Leaf[];
}

const ROW_LIMIT = 2 ** 28;

/** A flat string's heap bytes without pointer compression (Node's default): 16 bytes of header, one or two bytes a character, 8-byte aligned. */
export function stringBytes(v: string): number {
  // eslint-disable-next-line no-control-regex
  const perChar = /[^\u0000-\u00ff]/.test(v) ? 2 : 1;
  return (16 + perChar * v.length + 7) & ~7;
}

/**
 * A flat copy of a string built by concatenation (a claim key): V8 keeps such a string as a tree
 * of its parts, three objects where one will do. Shorter strings are always flat.
 */
const flat = (v: string): string => (v.length < 13 ? v : (JSON.parse(JSON.stringify(v)) as string));

const idKey = (s: IndexSection) => (row: number) => s.idAt[row];
const claimKey = (s: IndexSection) => (slot: number) => s.claimAt[slot];

/** The row of `id`, if the section has one. */
export function rowOf(s: IndexSection, id: string): number | undefined {
  return tableGet(s.rowTable, id, idKey(s));
}

/** An empty section with room for `capacity` rows. */
export function emptySection(system: number, capacity: number, refWidth: number, claimWidth: number): IndexSection {
  return {
    system,
    rowTable: emptyTable(capacity),
    idAt: [],
    rows: 0,
    free: [],
    present: new Uint8Array(capacity),
    size: 0,
    digestWords: new BigUint64Array(4 * capacity),
    sum: 0n,
    incoming: new Int32Array(capacity),
    refWidth,
    refs: new Int32Array(refWidth * capacity),
    claimWidth,
    claimAt: [],
    claims: emptyTable(),
    parents: new Map(),
    stringBytes: 0,
    leaves: [],
  };
}

function grow(s: IndexSection, capacity: number, refWidth: number): void {
  const present = new Uint8Array(capacity);
  present.set(s.present.subarray(0, s.rows));
  const digestWords = new BigUint64Array(4 * capacity);
  digestWords.set(s.digestWords.subarray(0, 4 * s.rows));
  const incoming = new Int32Array(capacity);
  incoming.set(s.incoming.subarray(0, s.rows));
  const refs = new Int32Array(refWidth * capacity);
  for (let row = 0; row < s.rows; row++) refs.set(s.refs.subarray(row * s.refWidth, (row + 1) * s.refWidth), row * refWidth);
  Object.assign(s, { present, digestWords, incoming, refs, refWidth });
}

/** A row for `id`, its own or a new one (reusing a freed row first). */
export function rowFor(s: IndexSection, id: string): number {
  const held = rowOf(s, id);
  if (held !== undefined) return held;
  let row = s.free.pop();
  if (row === undefined) {
    if (s.rows >= ROW_LIMIT) throw new Error('base index: too many rows in a section');
    if (s.rows === s.present.length) grow(s, Math.ceil(s.rows * 1.25) + 64, s.refWidth);
    row = s.rows++;
  }
  s.idAt[row] = id;
  tableSet(s.rowTable, id, row, idKey(s));
  s.stringBytes += stringBytes(id);
  return row;
}

/** Frees a row nothing needs any more: its record is gone and nothing references it. */
function release(s: IndexSection, row: number): void {
  if (s.present[row] === 1 || s.incoming[row] > 0) return;
  const id = s.idAt[row]!;
  tableDelete(s.rowTable, id, idKey(s));
  s.idAt[row] = undefined;
  s.stringBytes -= stringBytes(id);
  s.free.push(row);
}

export function digestAt(s: IndexSection, row: number): bigint {
  const w = s.digestWords;
  const at = 4 * row;
  return (w[at] << 192n) | (w[at + 1] << 128n) | (w[at + 2] << 64n) | w[at + 3];
}

/** The digest of the epoch's record `id`, undefined when the epoch lacks it. */
export function digestOf(s: IndexSection, id: string): bigint | undefined {
  const row = rowOf(s, id);
  return row !== undefined && s.present[row] === 1 ? digestAt(s, row) : undefined;
}

export function holds(s: IndexSection, id: string): boolean {
  const row = rowOf(s, id);
  return row !== undefined && s.present[row] === 1;
}

/** Sets a record's digest (the typed array keeps each word modulo 2^64), counting it when new. */
export function putRecord(s: IndexSection, id: string, digest: bigint): number {
  const row = rowFor(s, id);
  const at = 4 * row;
  s.digestWords[at] = digest >> 192n;
  s.digestWords[at + 1] = digest >> 128n;
  s.digestWords[at + 2] = digest >> 64n;
  s.digestWords[at + 3] = digest;
  if (s.present[row] === 0) s.size++;
  s.present[row] = 1;
  return row;
}

/** Whether a BigUint64Array's words lie least significant byte first here (every platform Node ships for but s390x). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * putRecord with each digest given as SHA-256's 32 bytes in latin1 (sha256Latin1): the words are written
 * from the bytes, with no bigint made per record, for indexing a whole base. One per pass; it
 * holds a 32-bit view of the words it last wrote (a section's words change only when it grows).
 */
export class ShaRecords {
  private words: BigUint64Array | undefined;
  private halves: Uint32Array = new Uint32Array(0);

  put(s: IndexSection, id: string, sha: string): number {
    if (!LITTLE_ENDIAN) return putRecord(s, id, BigInt(`0x${Buffer.from(sha, 'latin1').toString('hex')}`));
    const row = rowFor(s, id);
    if (this.words !== s.digestWords) {
      this.words = s.digestWords;
      this.halves = new Uint32Array(s.digestWords.buffer, s.digestWords.byteOffset, 2 * s.digestWords.length);
    }
    // Word w of the row, most significant first, as two halves: the low one first here.
    for (let w = 0, at = 8 * row; w < 4; w++, at += 2) {
      this.halves[at + 1] = wordAt(sha, 8 * w);
      this.halves[at] = wordAt(sha, 8 * w + 4);
    }
    if (s.present[row] === 0) s.size++;
    s.present[row] = 1;
    return row;
  }
}

/** Removes a record (its facts forgotten first); its row stays while records still reference it. */
export function dropRecord(s: IndexSection, id: string): void {
  const row = rowOf(s, id);
  if (row === undefined || s.present[row] === 0) return;
  s.present[row] = 0;
  s.size--;
  s.digestWords.fill(0n, 4 * row, 4 * row + 4);
  release(s, row);
}

const sectionOfSystem = (sections: readonly IndexSection[], system: number) => sections.findIndex((s) => s.system === system);

/** Records a row's facts: its references counted on their targets, its claims, its parent. */
export function learnFacts(sections: readonly IndexSection[], k: number, row: number, f: RecordFacts): void {
  const s = sections[k];
  if (f.refs.length > s.refWidth) grow(s, s.present.length, f.refs.length);
  f.refs.forEach((r, j) => {
    const at = r.indexOf('\u0000');
    const t = sectionOfSystem(sections, Number(r.slice(0, at)));
    // A system the index does not hold is never deleted from, so its incoming counts are never read.
    if (t < 0) return;
    const target = rowFor(sections[t], r.slice(at + 1));
    sections[t].incoming[target]++;
    s.refs[row * s.refWidth + j] = t * ROW_LIMIT + target + 1;
  });
  if (f.claims.length > s.claimWidth) {
    const claimAt: (string | undefined)[] = [];
    for (let r = 0; r < s.rows; r++) for (let j = 0; j < s.claimWidth; j++) claimAt[r * f.claims.length + j] = s.claimAt[r * s.claimWidth + j];
    s.claimAt = claimAt;
    s.claimWidth = f.claims.length;
    // Slots moved: the claim table is re-placed.
    s.claims.slots.fill(0);
    s.claims.count = 0;
    s.claimAt.forEach((c, slot) => c !== undefined && tableSet(s.claims, c, slot, claimKey(s)));
  }
  f.claims.forEach((claim, j) => {
    const c = flat(claim);
    const slot = row * s.claimWidth + j;
    // Filled up to the slot, so the array stays a dense one (a far write would make it a dictionary).
    while (s.claimAt.length < slot) s.claimAt.push(undefined);
    s.claimAt[slot] = c;
    tableSet(s.claims, c, slot, claimKey(s));
    s.stringBytes += stringBytes(c);
  });
  if (f.parent !== undefined) {
    s.parents.set(row, f.parent);
    s.stringBytes += stringBytes(f.parent);
  }
}

/** Forgets a row's facts (the reverse of learnFacts), freeing targets nothing references any more. */
export function forgetFacts(sections: readonly IndexSection[], k: number, row: number): void {
  const s = sections[k];
  for (let j = 0; j < s.refWidth; j++) {
    const code = s.refs[row * s.refWidth + j];
    if (code === 0) continue;
    s.refs[row * s.refWidth + j] = 0;
    const t = sections[Math.floor((code - 1) / ROW_LIMIT)];
    const target = (code - 1) % ROW_LIMIT;
    t.incoming[target]--;
    release(t, target);
  }
  for (let j = 0; j < s.claimWidth; j++) {
    const slot = row * s.claimWidth + j;
    const c = s.claimAt[slot];
    if (c === undefined) continue;
    // Deleted while its string is still in claimAt: the table reads keys through it.
    if (tableGet(s.claims, c, claimKey(s)) === slot) tableDelete(s.claims, c, claimKey(s));
    s.claimAt[slot] = undefined;
    s.stringBytes -= stringBytes(c);
  }
  const parent = s.parents.get(row);
  if (parent !== undefined) {
    s.parents.delete(row);
    s.stringBytes -= stringBytes(parent);
  }
}

/** A base record's references as refKeys (what the result loses when it goes or is replaced). */
export function refsOf(sections: readonly IndexSection[], k: number, id: string): string[] {
  const s = sections[k];
  const row = rowOf(s, id);
  const out: string[] = [];
  if (row === undefined) return out;
  for (let j = 0; j < s.refWidth; j++) {
    const code = s.refs[row * s.refWidth + j];
    if (code === 0) continue;
    const t = sections[Math.floor((code - 1) / ROW_LIMIT)];
    out.push(refKey(t.system, t.idAt[(code - 1) % ROW_LIMIT]!));
  }
  return out;
}

/** The id of the base record that claims `claim`, if any. */
export function claimOwner(s: IndexSection, claim: string): string | undefined {
  const slot = tableGet(s.claims, claim, claimKey(s));
  return slot === undefined ? undefined : s.idAt[Math.floor(slot / s.claimWidth)];
}

export function parentOf(s: IndexSection, id: string): string | undefined {
  const row = rowOf(s, id);
  return row === undefined ? undefined : s.parents.get(row);
}

/** How many records of the epoch reference `id` of this section. */
export function incomingOf(s: IndexSection, id: string): number {
  const row = rowOf(s, id);
  return row === undefined ? 0 : s.incoming[row];
}
