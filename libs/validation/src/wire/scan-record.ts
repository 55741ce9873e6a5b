import { isUtf8 } from 'node:buffer';
import { Enc, type FieldPlan, type MessagePlan } from './field-plan';
import type { WireReader } from './wire-reader';

/**
 * The strict scanner: reads one record's bytes by its field table and says whether they are
 * already exactly what the typed path would store (DESIGN §5: `toBinary` of the decoded record
 * after canonicalizeInPlace), filling the record's light view on the way. It answers "canonical"
 * only when sure; anything else — a field out of order or twice, a written default, a
 * non-minimal varint, -0, a map key twice, an unknown or runtime-only field, text that is not
 * plain valid UTF-8, bytes that do not parse — sends the record to the typed path, which decides
 * with the library's own decoder. Being wrong in that direction costs time, never bytes.
 *
 * One flaw is mended here instead, because game servers fill maps in any order: map entries
 * that are each canonical but not in ascending key order. Sorting them is a permutation of whole
 * entries inside the map's byte run, so the record keeps its length and everything else in it;
 * the scan notes each such run (RecordScan.mapSorts) and sortedRecord writes the canonical bytes.
 * @internal
 */

type Bag = Record<string, unknown>;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Buffer's own latin1 slicer (what `toString('latin1', s, e)` calls, minus its argument checks). */
type Latin1 = { latin1Slice(start: number, end: number): string };

/**
 * What a scan found besides the record's view. The caller owns one and passes it to every
 * scanRecord call, which resets it first: the hot path allocates nothing per record for it.
 */
export class RecordScan {
  /** The record's top-level fields present, as bits by index in the descriptor's field list. */
  present = 0;
  /** UTF-8 bytes of the record's longest string or map key (where input limits look, wire-extent.ts). */
  text = 0;
  /** The most entries of one map in the record. */
  entries = 0;
  /** The most elements of one repeated field in the record. */
  list = 0;
  /**
   * Map runs whose entries must be put in key order, in the order the scan closed them (inner
   * maps before the map or list holding them), each as `runStart, runEnd, n, then n pairs of
   * entry start, entry end` in key order; positions in the reader's buffer. Empty when the
   * record is canonical as it is. Refilled by the next scan: sortedRecord copies what it needs.
   */
  readonly mapSorts: number[] = [];

  reset(): void {
    this.present = 0;
    this.text = 0;
    this.entries = 0;
    this.list = 0;
    this.mapSorts.length = 0;
  }
}

/** A varint that ended at `end` (exclusive) after starting at `start` is minimally encoded. */
function minimal(buf: Uint8Array, start: number, end: number): boolean {
  return end - start === 1 || buf[end - 1] !== 0;
}

/** Reads a length or tag varint (≤ 32 bits, minimal); -1 when it is not. */
function lengthOf(r: WireReader, end: number): number {
  const start = r.pos;
  const first = r.data[start];
  if (first < 0x80 && start < end) {
    // One byte, the common case (tags of fields 1-15, lengths under 128): minimal by construction.
    r.pos = start + 1;
    return first;
  }
  const n = r.uint32();
  const used = r.pos - start;
  if (r.pos > end || used > 5 || (used === 5 && r.data[r.pos - 1] > 0x0f) || !minimal(r.data, start, r.pos)) return -1;
  return n;
}

/**
 * Text: valid UTF-8 (the typed path refuses anything else), not starting with a byte-order mark
 * (the typed path's decoder drops it, so the stored bytes would differ). Undefined when not so.
 */
function text(buf: Uint8Array, start: number, end: number, decode: boolean): string | undefined {
  let ascii = true;
  for (let i = start; i < end; i++) {
    if (buf[i] >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return decode ? (buf as unknown as Latin1).latin1Slice(start, end) : '';
  const bytes = buf.subarray(start, end);
  if (!isUtf8(bytes) || (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)) return undefined;
  return decode ? strictUtf8.decode(bytes) : '';
}

/** A map key as protobuf-es stores it in a plain object: not array-index-like (those iterate first), not `__proto__` (dropped). */
function plainKey(key: string): boolean {
  const c = key.charCodeAt(0);
  return !(c >= 0x30 && c <= 0x39) && key !== '__proto__';
}

const NOT = Symbol('not-canonical');
type Value = unknown | typeof NOT;

/**
 * Reads one value of encoding `enc` at r.pos, canonical for a field of this presence. Returns
 * the value (when `keep`), undefined for an unkept value, or NOT. `implicit`: a zero value is
 * never written; otherwise (oneof members, map entries) it is.
 */
function value(r: WireReader, end: number, enc: Enc, implicit: boolean, keep: boolean, plan: FieldPlan | undefined, message: MessagePlan | undefined, scan: RecordScan): Value {
  const buf = r.data;
  const start = r.pos;
  switch (enc) {
    case Enc.UINT32: {
      const first = buf[start];
      if (first < 0x80 && start < end) {
        r.pos = start + 1;
        return implicit && first === 0 ? NOT : first;
      }
      const v = r.uint32();
      const used = r.pos - start;
      if (r.pos > end || used > 5 || (used === 5 && buf[r.pos - 1] > 0x0f) || !minimal(buf, start, r.pos) || (implicit && v === 0)) return NOT;
      return v;
    }
    case Enc.INT32: {
      const v = r.uint32();
      const used = r.pos - start;
      // Non-negative only: a negative int32 is written sign-extended to 10 bytes.
      if (r.pos > end || used > 5 || (used === 5 && buf[r.pos - 1] > 0x07) || !minimal(buf, start, r.pos) || (implicit && v === 0)) return NOT;
      if (plan?.closedEnum && !plan.closedEnum.has(v)) return NOT;
      return v;
    }
    case Enc.INT64:
    case Enc.UINT64: {
      let used = 0;
      let b = 0;
      do {
        if (start + used >= end || used === 10) return NOT;
        b = buf[start + used++];
      } while (b & 0x80);
      if ((used > 1 && b === 0) || (used === 10 && b !== 1) || (implicit && used === 1 && b === 0)) return NOT;
      if (!keep) {
        r.pos = start + used;
        return undefined;
      }
      return enc === Enc.INT64 ? r.int64() : r.uint64();
    }
    case Enc.BOOL: {
      if (start >= end) return NOT;
      const b = buf[start];
      r.pos = start + 1;
      if (b === 1 || (b === 0 && !implicit)) return b === 1;
      return NOT;
    }
    case Enc.DOUBLE: {
      if (start + 8 > end) return NOT;
      const v = r.double();
      if (v === 0 && (implicit || Object.is(v, -0))) return NOT;
      if (v !== v && !(buf[start + 6] === 0xf8 && buf[start + 7] === 0x7f && buf[start] === 0 && buf[start + 1] === 0 && buf[start + 2] === 0 && buf[start + 3] === 0 && buf[start + 4] === 0 && buf[start + 5] === 0)) return NOT;
      return v;
    }
    case Enc.FLOAT: {
      if (start + 4 > end) return NOT;
      const v = r.float();
      if (v === 0 && (implicit || Object.is(v, -0))) return NOT;
      if (v !== v && !(buf[start] === 0 && buf[start + 1] === 0 && buf[start + 2] === 0xc0 && buf[start + 3] === 0x7f)) return NOT;
      return v;
    }
    case Enc.STRING: {
      const n = lengthOf(r, end);
      if (n < 0 || (implicit && n === 0) || r.pos + n > end) return NOT;
      if (n > scan.text) scan.text = n;
      const s = text(buf, r.pos, r.pos + n, keep);
      r.pos += n;
      return s === undefined ? NOT : keep ? s : undefined;
    }
    case Enc.BYTES: {
      const n = lengthOf(r, end);
      if (n < 0 || (implicit && n === 0) || r.pos + n > end) return NOT;
      r.pos += n;
      return keep ? buf.subarray(r.pos - n, r.pos) : undefined;
    }
    case Enc.MESSAGE: {
      const n = lengthOf(r, end);
      if (n < 0 || r.pos + n > end) return NOT;
      const view = keep && message!.template ? { ...message!.template } : undefined;
      return scanMessage(r, r.pos + n, message!, view, scan) ? view : NOT;
    }
    default:
      return NOT;
  }
}

/** One map entry: exactly key (field 1) then value (field 2), both written, as toBinary writes them. Its key order is the caller's. */
function mapEntry(r: WireReader, end: number, f: FieldPlan, into: Bag | undefined, scan: RecordScan): string | typeof NOT {
  const n = lengthOf(r, end);
  if (n < 0 || r.pos + n > end) return NOT;
  const entryEnd = r.pos + n;
  if (f.mapKey !== Enc.STRING || r.data[r.pos] !== ((1 << 3) | 2)) return NOT;
  r.pos++;
  const key = value(r, entryEnd, Enc.STRING, false, true, undefined, undefined, scan);
  if (key === NOT || typeof key !== 'string' || !plainKey(key)) return NOT;
  if (r.pos >= entryEnd || r.data[r.pos] !== ((2 << 3) | f.mapValueWireType)) return NOT;
  r.pos++;
  const v = value(r, entryEnd, f.mapValue, false, into !== undefined, undefined, f.message, scan);
  if (v === NOT || r.pos !== entryEnd) return NOT;
  if (into) into[key] = v;
  return key;
}

/**
 * Scans [r.pos, end) as one message of `plan`, filling `view` (when given). False when the bytes
 * are not canonical or do not parse; r.pos is then meaningless.
 */
function scanMessage(r: WireReader, end: number, plan: MessagePlan, view: Bag | undefined, scan: RecordScan, top = false): boolean {
  let last = 0;
  let oneofs = 0;
  let prevKey: string | undefined;
  let map: Bag | undefined;
  let list: unknown[] | undefined;
  let count = 0;
  let mask = 0;
  // The map run being read: where its first entry's tag starts, and whether a key came out of order.
  let runStart = -1;
  let unsorted = false;
  while (r.pos < end) {
    const tagStart = r.pos;
    const tag = lengthOf(r, end);
    if (tag < 0) return false;
    const no = tag >>> 3;
    if (unsorted && no !== last) {
      if (!sortRun(r, runStart, tagStart, scan)) return false;
      unsorted = false;
    }
    const f = plan.byNumber[no];
    if (f === undefined || (tag & 7) !== f.wireType || f.runtimeOnly || no < last) return false;
    const again = no === last;
    if (again && !f.repeats) return false;
    last = no;
    mask |= f.presentBit;
    if (f.oneofBit !== 0) {
      if (oneofs & f.oneofBit) return false;
      oneofs |= f.oneofBit;
    }
    const keep = view !== undefined && f.keep;
    if (f.enc === Enc.MAP) {
      if (!again) {
        prevKey = undefined;
        count = 0;
        runStart = tagStart;
        map = keep ? {} : undefined;
        if (map) view![f.prop] = map;
      }
      const key = mapEntry(r, end, f, map, scan);
      if (key === NOT || key === prevKey) return false;
      if (prevKey !== undefined && key < prevKey) unsorted = true;
      prevKey = key;
      if (++count > scan.entries) scan.entries = count;
      continue;
    }
    if (f.enc === Enc.MESSAGE_LIST) {
      if (!again) {
        count = 0;
        list = keep ? [] : undefined;
        if (list) view![f.prop] = list;
      }
      const item = value(r, end, Enc.MESSAGE, false, keep, f, f.message, scan);
      if (item === NOT) return false;
      if (list) list.push(item);
      if (++count > scan.list) scan.list = count;
      continue;
    }
    const v = value(r, end, f.enc, f.implicit, keep, f, f.message, scan);
    if (v === NOT) return false;
    if (keep) view![f.prop] = f.caseName === undefined ? v : { case: f.caseName, value: v };
  }
  if (r.pos !== end) return false;
  if (unsorted && !sortRun(r, runStart, end, scan)) return false;
  if (top) scan.present = mask;
  return true;
}

/**
 * Notes the key order of the map entries in [runStart, runEnd) (already scanned: each entry is
 * canonical). False when a key repeats: the typed decode keeps the last, which is not a permutation.
 */
function sortRun(r: WireReader, runStart: number, runEnd: number, scan: RecordScan): boolean {
  const after = r.pos;
  const entries: { key: string; start: number; end: number }[] = [];
  r.pos = runStart;
  while (r.pos < runEnd) {
    const start = r.pos;
    lengthOf(r, runEnd); // the tag
    const n = lengthOf(r, runEnd);
    const entryEnd = r.pos + n;
    r.pos++; // the key's tag
    entries.push({ key: value(r, entryEnd, Enc.STRING, false, true, undefined, undefined, scan) as string, start, end: entryEnd });
    r.pos = entryEnd;
  }
  r.pos = after;
  // Code-unit order, as canonicalizeInPlace's Object.keys(...).sort().
  entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  scan.mapSorts.push(runStart, runEnd, entries.length);
  for (let i = 0; i < entries.length; i++) {
    if (i > 0 && entries[i].key === entries[i - 1].key) return false;
    scan.mapSorts.push(entries[i].start, entries[i].end);
  }
  return true;
}

/**
 * The canonical bytes of the record at [start, end) that scanRecord accepted with map runs to
 * sort (RecordScan.mapSorts): a copy with each run's entries in key order, inner runs first.
 */
export function sortedRecord(buf: Uint8Array, start: number, end: number, sorts: readonly number[]): Uint8Array {
  const out = Buffer.from(buf.subarray(start, end));
  for (let i = 0; i < sorts.length; ) {
    const runStart = sorts[i++] - start;
    const runEnd = sorts[i++] - start;
    const n = sorts[i++];
    const before = Buffer.from(out.subarray(runStart, runEnd)); // with the inner runs already sorted
    let at = runStart;
    for (let k = 0; k < n; k++) {
      const s = sorts[i++] - start - runStart;
      const e = sorts[i++] - start - runStart;
      before.copy(out, at, s, e);
      at += e - s;
    }
  }
  return out;
}

/**
 * Scans one record at [start, end) of the reader's buffer. Returns its light view when the bytes
 * are canonical (they may then be stored as they are), with what else it found in `scan`;
 * undefined when the record must go the typed way (decode, canonicalize, encode) — which also
 * decides whether the bytes parse at all — and `scan` is then meaningless.
 */
export function scanRecord(r: WireReader, start: number, end: number, plan: MessagePlan, scan: RecordScan): Bag | undefined {
  const view = { ...plan.template };
  r.pos = start;
  scan.reset();
  try {
    return scanMessage(r, end, plan, view, scan, true) ? view : undefined;
  } catch {
    return undefined; // past the buffer's end: the typed decode says how it is malformed
  }
}
