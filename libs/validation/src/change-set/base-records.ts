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

/** The id field of an encoded record ('' when absent). */
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

/** Appends the records of a section's payload (a restore message's section, or a stored record chunk: both are `repeated` entries) to `into`, undecoded. */
export function readSectionPayload(payload: Uint8Array, layout: ChangesLayout, into: BaseSection): void {
  const recordsNo = layout.compiled.recordsField.number;
  const r = new BinaryReader(payload);
  while (r.pos < r.len) {
    const start = r.pos;
    const [no, wt] = r.tag();
    if (no !== recordsNo || wt !== WireType.LengthDelimited) {
      r.skip(wt, no);
      continue;
    }
    const record = r.bytes();
    into.entries.push(payload.subarray(start, r.pos));
    into.bodyAt.push(r.pos - record.byteLength - start);
    into.ids.push(readRecordId(record, layout.idFieldNo));
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
