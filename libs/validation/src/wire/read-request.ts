import { fromBinary, type DescMessage, type Message, type MessageShape } from '@bufbuild/protobuf';
import { WireType } from '@bufbuild/protobuf/wire';
import { SaveRequestSchema, ValidateRequestSchema, WorldSnapshotSchema, type WorldSnapshot } from '@persistd/contract';
import type { OwnerEntry } from '@persistd/ownership';
import { COMPILED_MODULES } from '../owner-modules';
import type { CompiledModule } from '../rules/compiled-module';
import { idOf, type SectionHeader } from '../rules/snapshot-context';
import { RECURSION_LIMIT, Typed, varintSize, walk, type Span } from './envelope-walk';
import { recordPlan, type MessagePlan } from './field-plan';
import { RecordScan, scanRecord, sortedRecord } from './scan-record';
import { WireMalformedError } from './wire-error';
import { WireReader } from './wire-reader';

/**
 * The wire-level reader of a save (or validate) request: one pass over the bytes that finds the
 * request's own fields, the snapshot's and sections' headers, and every record's byte range; then
 * each record is scanned by its field table (scan-record.ts) into a light view of what
 * validation reads, its bytes kept as they came when they are already canonical. Nothing is
 * judged here — the rules run over the views (wire-validate.ts) and the stored form is made from
 * the byte ranges (wire-prepare.ts) — and nothing is guessed: whatever this reader cannot read
 * with certainty goes to the library's `fromBinary`, a record at a time or, for the envelope,
 * the whole request, so every outcome is the typed path's.
 */

type Bag = Record<string, unknown>;

/** Messages that carry a world snapshot to check: Save's and Validate's requests. */
export type SnapshotRequestSchema = typeof SaveRequestSchema | typeof ValidateRequestSchema;

/** One system's section as read. Arrays are parallel, one entry per record in request order. */
export interface WireSection {
  readonly entry: OwnerEntry;
  /** The section's header fields, decoded typed (its record list holds `views`); undefined when absent. */
  readonly header: (Message & SectionHeader) | undefined;
  /** Each record's id ('' when unset). */
  readonly ids: string[];
  /**
   * What validation reads of each record: a light view (plain object in protobuf-es's shape, only
   * the fields the owner module's paths name) when its bytes are canonical, else the record
   * decoded typed. Validation may swap a light view for the typed message (repeated ids).
   */
  readonly views: Bag[];
  /** Byte range of each canonical record in `WireRequest.bytes`; start -1 when it goes the typed way. */
  readonly starts: number[];
  readonly ends: number[];
  /**
   * Where each canonical record's field entry (tag, length, record) starts in the request when the
   * tag and length are written minimally, so those bytes are the record's chunk entry as they
   * are; -1 otherwise.
   */
  readonly entries: number[];
  /** Fields present in each canonical record, as bits by index in the record descriptor's fields (0 for typed ones). */
  readonly present: number[];
  /**
   * The canonical bytes of records whose only flaw was map entries out of key order, by record
   * index (scan-record.ts sorts them at wire level); their `entries` is -1.
   */
  readonly sorted: Map<number, Uint8Array>;
}

/** How a request was read: for tests, benchmarks and metrics. */
export interface WireStats {
  /** True when the envelope itself went the typed way (a known field in another wire type, or bytes that do not parse). */
  typedEnvelope: boolean;
  records: number;
  /** Records whose bytes are stored as they came, or with their map entries sorted (`sorted`). */
  passedThrough: number;
  /** Of those, records whose map entries were put in key order at wire level. */
  sorted: number;
  /** Records decoded typed (not canonical, runtime-only or unknown fields, repeated ids). */
  typed: number;
}

/** A request read at wire level. */
export interface WireRequest<D extends SnapshotRequestSchema = SnapshotRequestSchema> {
  readonly schema: D;
  /** The request's own fields (world id, expected epoch, request id, source), decoded typed; its snapshot left unset. */
  readonly header: MessageShape<D>;
  /**
   * The snapshot's skeleton: its schema version and unknown fields, each present section's
   * header fields, whose record list is the section's `views`. Undefined when absent.
   */
  readonly snapshot: WorldSnapshot | undefined;
  /** The five sections, in restore order. */
  readonly sections: readonly WireSection[];
  /** The request bytes the record ranges point into. */
  readonly bytes: Buffer;
  readonly stats: WireStats;
  /** The canonical records' extent where input limits look (wire-extent.ts adds the rest). */
  readonly scanned: { text: number; entries: number; list: number };
}

/** How deep records sit (request, snapshot, section): the typed decoder's recursion budget left for them. */
const RECORD_DEPTH = 3;

/** Per system, everything the reader needs: the compiled module and its record's field table, built once at load. */
interface Layout extends CompiledModule {
  readonly plan: MessagePlan;
}

const LAYOUT: readonly Layout[] = COMPILED_MODULES.map((compiled) => ({ ...compiled, plan: recordPlan(compiled.module) }));

const BY_SECTION_NUMBER = new Map<number, number>(LAYOUT.map((l, i) => [l.sectionField.number, i]));

function concat(buf: Buffer, spans: readonly Span[]): Uint8Array {
  return spans.length === 1 ? buf.subarray(spans[0][0], spans[0][1]) : Buffer.concat(spans.map(([s, e]) => buf.subarray(s, e)));
}

/** A record's bytes decoded by the library, as deep in its budget as inside the request. */
function decodeRecord(desc: DescMessage, bytes: Uint8Array): Bag {
  return fromBinary(desc, bytes, { readUnknownFields: true, recursionLimit: RECURSION_LIMIT - RECORD_DEPTH }) as unknown as Bag;
}

function emptySection(entry: OwnerEntry): WireSection {
  return { entry, header: undefined, ids: [], views: [], starts: [], ends: [], entries: [], present: [], sorted: new Map() };
}


/** The wire-level read; throws Typed when the envelope or a record cannot be read with certainty. */
function readWire<D extends SnapshotRequestSchema>(schema: D, buf: Buffer): WireRequest<D> {
  const r = new WireReader(buf);
  const snapshotField = schema.fields.find((f) => f.name === 'snapshot')!;
  const requestRest: Span[] = [];
  const snapshotSpans: Span[] = [];
  walk(r, schema, 0, buf.length, 1, requestRest, (no, s, e) => no === snapshotField.number && snapshotSpans.push([s, e]) > 0);
  const header = fromBinary(schema, concat(buf, requestRest), { readUnknownFields: true }) as MessageShape<D>;
  const stats: WireStats = { typedEnvelope: false, records: 0, passedThrough: 0, sorted: 0, typed: 0 };
  const scanned = { text: 0, entries: 0, list: 0 };
  if (snapshotSpans.length === 0) return { schema, header, snapshot: undefined, sections: LAYOUT.map((l) => emptySection(l.entry)), bytes: buf, stats, scanned };

  const snapshotRest: Span[] = [];
  const sectionSpans: Span[][] = LAYOUT.map(() => []);
  for (const [s, e] of snapshotSpans) {
    walk(r, WorldSnapshotSchema, s, e, 2, snapshotRest, (no, ss, se) => {
      const i = BY_SECTION_NUMBER.get(no);
      if (i === undefined) return false;
      sectionSpans[i].push([ss, se]);
      return true;
    });
  }
  const snapshot = fromBinary(WorldSnapshotSchema, concat(buf, snapshotRest), { readUnknownFields: true });
  const sections = LAYOUT.map((l, i) => {
    if (sectionSpans[i].length === 0) return emptySection(l.entry);
    const rest: Span[] = [];
    const ranges: number[] = [];
    for (const [s, e] of sectionSpans[i]) {
      walk(r, l.sectionDesc, s, e, RECORD_DEPTH, rest, (no, rs, re, ts) => no === l.recordsField.number && ranges.push(rs, re, ts) > 0);
    }
    const sectionHeader = fromBinary(l.sectionDesc, concat(buf, rest), { readUnknownFields: true }) as unknown as Message & SectionHeader;
    const section = readRecords(r, l, ranges, sectionHeader, stats, scanned);
    (sectionHeader as unknown as Bag)[l.recordsField.localName] = section.views;
    (snapshot as unknown as Bag)[l.sectionField.localName] = sectionHeader;
    return section;
  });
  return { schema, header, snapshot, sections, bytes: buf, stats, scanned };
}

function readRecords(r: WireReader, l: Layout, ranges: readonly number[], header: Message & SectionHeader, stats: WireStats, scanned: WireRequest['scanned']): WireSection {
  const n = ranges.length / 3;
  const section: WireSection = { entry: l.entry, header, ids: new Array(n), views: new Array(n), starts: new Array(n), ends: new Array(n), entries: new Array(n), present: new Array(n), sorted: new Map() };
  const tagSize = varintSize((l.recordsField.number << 3) | WireType.LengthDelimited);
  const scan = new RecordScan();
  for (let k = 0; k < n; k++) {
    const s = ranges[3 * k];
    const e = ranges[3 * k + 1];
    const ts = ranges[3 * k + 2];
    let view = scanRecord(r, s, e, l.plan, scan);
    if (view) {
      section.starts[k] = s;
      section.ends[k] = e;
      section.entries[k] = s - ts === tagSize + varintSize(e - s) ? ts : -1;
      section.present[k] = scan.present;
      if (scan.mapSorts.length > 0) {
        section.sorted.set(k, sortedRecord(r.data, s, e, scan.mapSorts));
        section.entries[k] = -1;
        stats.sorted++;
      }
      if (scan.text > scanned.text) scanned.text = scan.text;
      if (scan.entries > scanned.entries) scanned.entries = scan.entries;
      if (scan.list > scanned.list) scanned.list = scan.list;
      stats.passedThrough++;
    } else {
      try {
        view = decodeRecord(l.recordDesc, r.data.subarray(s, e));
      } catch {
        throw new Typed(); // only the whole request's decode says how (and whether) it is malformed
      }
      section.starts[k] = -1;
      section.ends[k] = -1;
      section.entries[k] = -1;
      section.present[k] = 0;
      stats.typed++;
    }
    section.views[k] = view;
    section.ids[k] = idOf(l.readId(view));
  }
  stats.records += n;
  return section;
}

/**
 * The light view of one stored record at [start, end) of the reader's buffer, for the index of a
 * stored epoch: stored records are canonical, so each scans as a request's canonical record does
 * (no decode); one that does not is decoded typed. Leaves the reader at `end`. @internal
 */
export function storedRecordView(k: number, r: WireReader, start: number, end: number, scan: RecordScan): Bag {
  const l = LAYOUT[k];
  const view = scanRecord(r, start, end, l.plan, scan) ?? decodeRecord(l.recordDesc, r.data.subarray(start, end));
  r.pos = end;
  return view;
}

/** The typed read: the whole request decoded by the library, every record a typed view. */
function readTyped<D extends SnapshotRequestSchema>(schema: D, buf: Buffer): WireRequest<D> {
  let message: MessageShape<D>;
  try {
    message = fromBinary(schema, buf, { readUnknownFields: true }) as MessageShape<D>;
  } catch (e) {
    throw new WireMalformedError(schema.typeName, e);
  }
  const snapshot = message.snapshot;
  const stats: WireStats = { typedEnvelope: true, records: 0, passedThrough: 0, sorted: 0, typed: 0 };
  const sections = LAYOUT.map((l) => {
    const header = snapshot ? ((snapshot as unknown as Bag)[l.sectionField.localName] as (Message & SectionHeader) | undefined) : undefined;
    if (!header) return emptySection(l.entry);
    const views = (header as unknown as Bag)[l.recordsField.localName] as Bag[];
    const n = views.length;
    stats.records += n;
    stats.typed += n;
    return { entry: l.entry, header, ids: views.map((v) => idOf(l.readId(v))), views, starts: new Array<number>(n).fill(-1), ends: new Array<number>(n).fill(-1), entries: new Array<number>(n).fill(-1), present: new Array<number>(n).fill(0), sorted: new Map<number, Uint8Array>() };
  });
  const header = { ...message, snapshot: undefined } as MessageShape<D>;
  return { schema, header, snapshot, sections, bytes: buf, stats, scanned: { text: 0, entries: 0, list: 0 } };
}

/**
 * Swaps record `index` of section `k` to its typed decode (validation does so for records whose
 * id repeats: telling a duplicate from an overlap compares whole canonical records). Its bytes are
 * then re-encoded, not passed through. @internal
 */
export function makeTyped(read: WireRequest, k: number, index: number): void {
  const section = read.sections[k];
  const start = section.starts[index];
  if (start < 0) return;
  section.views[index] = decodeRecord(LAYOUT[k].recordDesc, read.bytes.subarray(start, section.ends[index]));
  section.starts[index] = -1;
  section.ends[index] = -1;
  section.entries[index] = -1;
  if (section.sorted.delete(index)) read.stats.sorted--;
  read.stats.passedThrough--;
  read.stats.typed++;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Reads a request carrying a snapshot at wire level (see the file header). Throws
 * WireMalformedError exactly when `fromBinary(schema, bytes)` throws. The bytes must not change
 * while the result is in use: canonical records are kept as ranges of them.
 */
export function readSnapshotRequest<D extends SnapshotRequestSchema>(schema: D, bytes: Uint8Array): WireRequest<D> {
  const buf = asBuffer(bytes);
  try {
    return readWire(schema, buf);
  } catch {
    // A Typed signal, or an error of the walk or of a header's decode: the typed decoder decides.
    return readTyped(schema, buf);
  }
}

/**
 * The request's own fields (world id, expected epoch, request id, source) without its snapshot,
 * read without building anything per record; undefined when they cannot be read that way.
 */
export function readRequestFields<D extends SnapshotRequestSchema>(schema: D, bytes: Uint8Array): MessageShape<D> | undefined {
  const buf = asBuffer(bytes);
  const snapshotField = schema.fields.find((f) => f.name === 'snapshot')!;
  const rest: Span[] = [];
  try {
    walk(new WireReader(buf), schema, 0, buf.length, 1, rest, (no) => no === snapshotField.number);
    return fromBinary(schema, concat(buf, rest), { readUnknownFields: true }) as MessageShape<D>;
  } catch {
    return undefined;
  }
}

/** readSnapshotRequest for Save. */
export function readSaveRequest(bytes: Uint8Array): WireRequest<typeof SaveRequestSchema> {
  return readSnapshotRequest(SaveRequestSchema, bytes);
}

/** readSnapshotRequest for Validate. */
export function readValidateRequest(bytes: Uint8Array): WireRequest<typeof ValidateRequestSchema> {
  return readSnapshotRequest(ValidateRequestSchema, bytes);
}
