import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { RestoreResponseSchema } from '@persistd/contract';
import { CHANGES_LAYOUT, type ChangesLayout } from './layout';

/**
 * A stored epoch's records as a change set's base: read from the epoch's restore messages
 * (restoreFrames, whatever the stored form), at wire level — no record is decoded. Stored
 * records are canonical, so ids come in canonical order and each record's bytes are its
 * canonical bytes.
 */

/** One system's base records, in canonical order. */
export interface BaseSection {
  ids: string[];
  /** Each record's encoded `repeated` field entry (tag, length, record), as stored. */
  entries: Uint8Array[];
  /** Where the record's own bytes start within its entry. */
  bodyAt: number[];
}

const payloadSystem = new Map<number, number>(
  CHANGES_LAYOUT.map((l, k) => {
    const f = RestoreResponseSchema.fields.find((x) => x.name === l.compiled.entry.section);
    if (!f) throw new Error(`change-set: RestoreResponse has no ${l.compiled.entry.section}`);
    return [f.number, k];
  }),
);

/** The id field of an encoded record ('' when absent), by the library's reader: for what the lean walk below leaves to it. */
export function readRecordId(record: Uint8Array, idFieldNo: number): string {
  const r = new BinaryReader(record);
  let id = '';
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (no === idFieldNo && wt === WireType.LengthDelimited) id = r.string();
    else r.skip(wt, no);
  }
  return id;
}

/** A varint at `at` of `buf`: its value (below 2^53) and where it ends; an end past `limit` when it runs over. */
function varintAt(buf: Uint8Array, at: number, limit: number): [value: number, end: number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10 && at < limit; i++) {
    const b = buf[at++];
    value += (b & 0x7f) * scale;
    if (b < 0x80) return [value, at];
    scale *= 128;
  }
  return [value, limit + 1];
}

/**
 * The id of the record at [start, end) of `buf` as readRecordId reads it (the last id field wins),
 * walking the fields by hand: a BinaryReader and a text decoder per record cost an L world's full
 * path a quarter of a second. An ASCII id (every stored one: ids are validated) is sliced as
 * Latin-1; anything else — a non-ASCII id, a group, bytes that run over — goes to readRecordId.
 */
function recordIdAt(buf: Buffer, start: number, end: number, idFieldNo: number): string {
  let at = start;
  let id = '';
  while (at < end) {
    const [tag, afterTag] = varintAt(buf, at, end);
    const no = Math.floor(tag / 8);
    if (no === 0 || tag > 0xffffffff) return readRecordId(buf.subarray(start, end), idFieldNo); // the library's own judgement of odd tags
    at = afterTag;
    switch (tag % 8) {
      case WireType.Varint:
        at = varintAt(buf, at, end)[1];
        break;
      case WireType.Bit64:
        at += 8;
        break;
      case WireType.Bit32:
        at += 4;
        break;
      case WireType.LengthDelimited: {
        const [n, s] = varintAt(buf, at, end);
        at = s + n;
        if (no !== idFieldNo || at > end) break;
        for (let i = s; i < at; i++) if (buf[i] >= 0x80) return readRecordId(buf.subarray(start, end), idFieldNo);
        id = buf.toString('latin1', s, at);
        break;
      }
      default:
        return readRecordId(buf.subarray(start, end), idFieldNo);
    }
  }
  return at === end ? id : readRecordId(buf.subarray(start, end), idFieldNo);
}

/** Appends the records of a section's payload (a restore message's section, or a stored record chunk: both are `repeated` entries) to `into`, undecoded. */
export function readSectionPayload(payload: Uint8Array, layout: ChangesLayout, into: BaseSection): void {
  const recordsNo = layout.compiled.recordsField.number;
  const buf = Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const r = new BinaryReader(payload);
  while (r.pos < r.len) {
    const start = r.pos;
    const [no, wt] = r.tag();
    if (no !== recordsNo || wt !== WireType.LengthDelimited) {
      r.skip(wt, no);
      continue;
    }
    const length = r.uint32();
    const body = r.pos;
    r.pos += length;
    if (r.pos > r.len) throw new RangeError('premature EOF'); // as BinaryReader.bytes() would
    into.entries.push(payload.subarray(start, r.pos));
    into.bodyAt.push(body - start);
    into.ids.push(recordIdAt(buf, body, r.pos, layout.idFieldNo));
  }
}

/** A change set's base: the committed epoch's number, schema version and records. */
export interface BaseRecords {
  epoch: bigint;
  schemaVersion: number;
  /** In restore order. */
  sections: BaseSection[];
}

/** Every base record of the epoch, per system in restore order, from its encoded restore messages. */
export function baseSectionsOfFrames(frames: Iterable<Uint8Array>): BaseSection[] {
  const sections: BaseSection[] = CHANGES_LAYOUT.map(() => ({ ids: [], entries: [], bodyAt: [] }));
  for (const frame of frames) {
    const r = new BinaryReader(frame);
    while (r.pos < r.len) {
      const [no, wt] = r.tag();
      const k = payloadSystem.get(no);
      if (k === undefined || wt !== WireType.LengthDelimited) {
        r.skip(wt, no);
        continue;
      }
      readSectionPayload(r.bytes(), CHANGES_LAYOUT[k], sections[k]);
    }
  }
  return sections;
}
