import { ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { WireType } from '@bufbuild/protobuf/wire';
import { UNHOLDABLE_MAP_KEY } from '@persistd/ownership';
import type { InputLimits, LimitBreach } from '../limits/input-limits';
import { RECURSION_LIMIT } from './envelope-walk';
import { WireReader } from './wire-reader';

/**
 * The census of a request's bytes: the input limits (DESIGN §4 `LIMIT_EXCEEDED`) checked at wire
 * level, by counting, before anything is built per record. Reading a request builds one view per
 * record and one entry per map entry, so a request of 16 MiB of empty records — two bytes each —
 * would cost gigabytes of views before its record count could be refused. The census holds only
 * a few counters per message, so its memory is independent of the request, and refuses such a
 * request at its first breach, in the order the limits' walk of the decoded message names
 * breaches (limits/input-limits.ts): fields in declaration order, depth first, a list's length
 * before its elements, map keys in the order a decoded map lists them. One count differs: a map
 * over its entries is refused without collecting its remaining keys, so its `actual` counts the
 * entries sent, a repeated key twice.
 *
 * Beyond the named limits it refuses what no decoded message would show but what would still
 * cost a view each: one field number (unknown, or a singular field sent again and again) more
 * often than `max_records_per_section` in one message.
 *
 * Bytes that do not parse are not judged here: the census looks only at the whole fields before
 * them. A breach there is refused without reading on; otherwise the reader's verdict
 * (MALFORMED_REQUEST) follows, and what it decodes first is within the limits.
 *
 * A map key `__proto__` is no entry of the decoded map — protobuf-es's map is a plain object,
 * and `obj['__proto__'] = v` sets its prototype or does nothing — so the census counts and
 * measures it as the decoded map shows it: not at all. It is also the one place that reads
 * every map key of a request before the key is lost, so it notes where each such key was
 * (`lostKeys`): the field rules refuse it (lost-map-keys.ts), never store a record without it.
 */

/** The bytes stop parsing where the census reads them. */
class Unreadable extends Error {}

type Span = readonly [start: number, end: number];

/** A breach on its way up: the path is assembled only when there is one. */
interface Found extends Omit<LimitBreach, 'field'> {
  path: string[];
}

/** What one message's bytes hold per field number: how many values, and where the last one is. */
interface Tally {
  count: number;
  last: Span | undefined;
}

const BOM = [0xef, 0xbb, 0xbf];
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Where in a request a map key `__proto__` was sent: field names from the request down, a list
 * element as its index, a map value as `[key]`; the last step is the map field itself.
 */
export type WirePath = readonly (string | number)[];

/** What the census found: the first breach, if any, and every map key `__proto__` read before it. */
export interface WireCensus {
  breach: LimitBreach | undefined;
  lostKeys: WirePath[];
}

/**
 * The census of a message of type `desc` read from `bytes` at wire level: the first breach of
 * `limits`, undefined when there is none (or the bytes stop parsing first), and where the bytes
 * hold a map key `__proto__` (complete only when there is no breach). Memory: a few counters per
 * nested message and, for a map within its limit, its keys.
 */
export function wireCensus(desc: DescMessage, bytes: Uint8Array, limits: InputLimits): WireCensus {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The quick walk first (see Census.skipsRoomy): when it finds nothing, neither would the full
  // walk. Its breach is not the answer — a skipped message may hold bytes that stop the full walk
  // before it — so a refusal, rare, walks again in full; so does a request whose bytes hold a
  // key `__proto__` anywhere.
  if (!buf.includes(UNHOLDABLE_MAP_KEY) && walk(desc, buf, limits, true).breach === undefined) return { breach: undefined, lostKeys: [] };
  return walk(desc, buf, limits, false);
}

/** wireCensus without the quick walk: what it must always agree with (a property test holds them together). */
export function wireCensusInFull(desc: DescMessage, bytes: Uint8Array, limits: InputLimits): WireCensus {
  return walk(desc, Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), limits, false);
}

function walk(desc: DescMessage, buf: Buffer, limits: InputLimits, skipsRoomy: boolean): WireCensus {
  const census = new Census(new WireReader(buf), limits, skipsRoomy);
  try {
    const found = census.message(desc, [[0, buf.length]], 1);
    return { breach: found && { limit: found.limit, max: found.max, actual: found.actual, field: found.path.join('') }, lostKeys: census.lostKeys };
  } catch {
    // Unreadable, or an error of the reader: not a limit's to judge (see the file header).
    return { breach: undefined, lostKeys: census.lostKeys };
  }
}

/** The first breach of `limits` in a message of type `desc` (wireCensus without the keys). */
export function firstWireBreach(desc: DescMessage, bytes: Uint8Array, limits: InputLimits): LimitBreach | undefined {
  return wireCensus(desc, bytes, limits).breach;
}

const numbered = new WeakMap<DescMessage, Map<number, DescField>>();

function fieldsByNumber(desc: DescMessage): Map<number, DescField> {
  let m = numbered.get(desc);
  if (!m) numbered.set(desc, (m = new Map(desc.fields.map((f) => [f.number, f]))));
  return m;
}

/** Packed scalars: the values a packed payload of `n` bytes holds. */
function packedCount(field: DescField, data: Buffer, start: number, end: number): number {
  switch (field.fieldKind === 'list' ? field.scalar : undefined) {
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return Math.floor((end - start) / 8);
    case ScalarType.FLOAT:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return Math.floor((end - start) / 4);
    default: {
      // varints (enums included): one value ends at each byte without the continuation bit
      let n = 0;
      for (let i = start; i < end; i++) if (data[i] < 0x80) n++;
      return n;
    }
  }
}

const isPackable = (f: DescField) => f.fieldKind === 'list' && f.listKind !== 'message' && f.scalar !== ScalarType.STRING && f.scalar !== ScalarType.BYTES;

/** JavaScript's own order of an object's keys: array indexes ascending, then the rest as first set. */
function objectKeyOrder(keys: Iterable<string>): string[] {
  const indexes: string[] = [];
  const rest: string[] = [];
  for (const k of keys) (/^(?:0|[1-9]\d{0,9})$/.test(k) && Number(k) < 2 ** 32 - 1 ? indexes : rest).push(k);
  return [...indexes.sort((a, b) => Number(a) - Number(b)), ...rest];
}

class Census {
  /** Where the walk is: the path of the field being read (see WirePath). */
  private readonly at: (string | number)[] = [];
  readonly lostKeys: WirePath[] = [];

  /**
   * A message of at most this many bytes cannot breach a limit: no field of it occurs more often,
   * no map of it has more entries, no string of it is longer, than it has bytes.
   */
  private readonly roomy: number;

  /**
   * `skipsRoomy`: the quick walk, which does not look inside a message that cannot breach a limit
   * (`roomy`) — most records of a request, so it costs a few steps per record instead of a walk
   * of each. Nor does it look for keys `__proto__` or at bytes that do not parse in there, so it
   * only ever proves the absence of a breach (see wireCensus).
   */
  constructor(
    private readonly r: WireReader,
    private readonly limits: InputLimits,
    private readonly skipsRoomy = false,
  ) {
    this.roomy = Math.min(limits.maxRecordsPerSection, limits.maxMapEntries, limits.maxStringBytes);
  }

  /** The first breach in one message whose bytes are `spans` (a singular message sent more than once is their merge). */
  message(desc: DescMessage, spans: readonly Span[], depth: number): Found | undefined {
    if (this.skipsRoomy && spans.reduce((n, [start, end]) => n + end - start, 0) <= this.roomy) return undefined;
    if (depth > RECURSION_LIMIT) throw new Unreadable();
    const fields = fieldsByNumber(desc);
    const { tallies, readable } = this.tally(fields, spans, depth);
    for (const field of desc.fields) {
      const t = tallies.get(field.number);
      if (!t) continue;
      this.at.push(field.name);
      const found = this.field(field, t, readable, depth);
      this.at.pop();
      if (found) {
        found.path.unshift(field.name);
        return found;
      }
    }
    for (const [no, t] of tallies) {
      if (!fields.has(no) && t.count > this.limits.maxRecordsPerSection) return this.overRecords(t.count, [`?${no}`]);
    }
    return undefined;
  }

  private overRecords(actual: number, path: string[] = []): Found {
    return { limit: 'max_records_per_section', max: this.limits.maxRecordsPerSection, actual, path };
  }

  /**
   * Counts the values of each field number in one message. Where the bytes stop parsing, the
   * count stops: `readable` are the spans up to the last whole field, and only they are looked at
   * further — a flood is refused even when garbage follows it, and what the reader later decodes
   * of a request the census passed is within the limits.
   */
  private tally(fields: Map<number, DescField>, spans: readonly Span[], depth: number): { tallies: Map<number, Tally>; readable: Span[] } {
    const r = this.r;
    const tallies = new Map<number, Tally>();
    const readable: Span[] = [];
    for (const [start, end] of spans) {
      r.pos = start;
      let whole = start;
      try {
        while (r.pos < end) {
          const [no, wt] = r.tag();
          let counted = 1;
          let last: Span | undefined;
          if (wt === WireType.LengthDelimited) {
            const n = r.uint32();
            const s = r.pos;
            if (s + n > end) throw new Unreadable();
            r.pos = s + n;
            const field = fields.get(no);
            if (field && isPackable(field)) counted = packedCount(field, r.data, s, s + n);
            last = [s, s + n];
          } else {
            r.skip(wt, no, RECURSION_LIMIT - depth);
            if (r.pos > end) throw new Unreadable();
          }
          let t = tallies.get(no);
          if (!t) tallies.set(no, (t = { count: 0, last: undefined }));
          t.count += counted;
          if (last) t.last = last;
          whole = r.pos;
        }
      } catch {
        readable.push([start, whole]);
        return { tallies, readable };
      }
      readable.push([start, end]);
    }
    return { tallies, readable };
  }

  /**
   * Calls `visit` with the byte range of every value of field `no` in `spans`, in order, until it
   * returns a breach. `visit` may move the reader: the walk picks up where it was.
   */
  private each(no: number, spans: readonly Span[], depth: number, visit: (span: Span, index: number) => Found | undefined): Found | undefined {
    const r = this.r;
    let index = 0;
    for (const [start, end] of spans) {
      let pos = start;
      while (pos < end) {
        r.pos = pos;
        const [n, wt] = r.tag();
        if (wt !== WireType.LengthDelimited) {
          r.skip(wt, n, RECURSION_LIMIT - depth);
          pos = r.pos;
          continue;
        }
        const len = r.uint32();
        const s = r.pos;
        pos = s + len;
        if (n !== no) continue;
        const found = visit([s, s + len], index++);
        if (found) return found;
      }
    }
    return undefined;
  }

  private field(field: DescField, t: Tally, spans: readonly Span[], depth: number): Found | undefined {
    switch (field.fieldKind) {
      case 'scalar':
        if (t.count > this.limits.maxRecordsPerSection) return this.overRecords(t.count);
        return field.scalar === ScalarType.STRING && t.last ? this.text(t.last) : undefined;
      case 'enum':
        return t.count > this.limits.maxRecordsPerSection ? this.overRecords(t.count) : undefined;
      case 'message': {
        if (t.count > this.limits.maxRecordsPerSection) return this.overRecords(t.count);
        const parts: Span[] = [];
        this.each(field.number, spans, depth, (span) => void parts.push(span));
        const found = this.message(field.message, parts, depth + 1);
        if (found) found.path.unshift('.');
        return found;
      }
      case 'list': {
        if (t.count > this.limits.maxRecordsPerSection) return this.overRecords(t.count);
        if (field.listKind === 'message') {
          return this.each(field.number, spans, depth, (span, i) => {
            this.at.push(i);
            const found = this.message(field.message, [span], depth + 1);
            this.at.pop();
            found?.path.unshift(`[${i}].`);
            return found;
          });
        }
        if (field.scalar === ScalarType.STRING) {
          return this.each(field.number, spans, depth, (span, i) => {
            const found = this.text(span);
            found?.path.unshift(`[${i}]`);
            return found;
          });
        }
        return undefined;
      }
      case 'map':
        return this.map(field, t, spans, depth);
    }
  }

  /**
   * A map: its entry count (distinct keys, as decoded), then each key and value in the decoded
   * map's key order. A key `__proto__` is noted where it was and otherwise skipped, as decoded.
   */
  private map(field: DescField & { fieldKind: 'map' }, t: Tally, spans: readonly Span[], depth: number): Found | undefined {
    if (field.mapKey !== ScalarType.STRING) throw new Unreadable(); // every map of the contract has string keys
    const max = this.limits.maxMapEntries;
    const entries = new Map<string, Span | undefined>();
    let lost: WirePath | undefined;
    const over = this.each(field.number, spans, depth, (span) => {
      const { key, value } = this.entry(span);
      if (key === UNHOLDABLE_MAP_KEY) {
        if (!lost) this.lostKeys.push((lost = [...this.at]));
        return undefined;
      }
      entries.set(key, value);
      // Past the limit: refused without collecting more keys (a key sent twice counts once, as decoded).
      return entries.size > max ? { limit: 'max_map_entries', max, actual: t.count, path: [] } : undefined;
    });
    if (over) return over;
    for (const key of objectKeyOrder(entries.keys())) {
      if (Buffer.byteLength(key, 'utf8') > this.limits.maxStringBytes) return { limit: 'max_string_bytes', max: this.limits.maxStringBytes, actual: Buffer.byteLength(key, 'utf8'), path: ['.key'] };
      const value = entries.get(key);
      if (value === undefined) continue;
      let found: Found | undefined;
      if (field.mapKind === 'message') {
        this.at.push(`[${key}]`);
        found = this.message(field.message, [value], depth + 1);
        this.at.pop();
        found?.path.unshift('.');
      } else if (field.mapKind === 'scalar' && field.scalar === ScalarType.STRING) {
        found = this.text(value);
      }
      if (found) {
        found.path.unshift(`[${key}]`);
        return found;
      }
    }
    return undefined;
  }

  /** One map entry's key (last wins, '' when absent) and the bytes of its value (last wins), when length-delimited. */
  private entry([start, end]: Span): { key: string; value: Span | undefined } {
    const r = this.r;
    let key = '';
    let value: Span | undefined;
    r.pos = start;
    while (r.pos < end) {
      const [no, wt] = r.tag();
      if (wt !== WireType.LengthDelimited) {
        r.skip(wt, no);
        if (no === 2) value = undefined;
        continue;
      }
      const n = r.uint32();
      const s = r.pos;
      if (s + n > end) throw new Unreadable();
      r.pos = s + n;
      if (no === 1) key = strictUtf8.decode(r.data.subarray(s, s + n));
      else if (no === 2) value = [s, s + n];
    }
    return { key, value };
  }

  /** A string's UTF-8 bytes once decoded (a leading byte-order mark is dropped by the decoder). */
  private text([s, e]: Span): Found | undefined {
    const max = this.limits.maxStringBytes;
    let n = e - s;
    if (n <= max) return undefined;
    const d = this.r.data;
    if (d[s] === BOM[0] && d[s + 1] === BOM[1] && d[s + 2] === BOM[2]) n -= 3;
    return n > max ? { limit: 'max_string_bytes', max, actual: n, path: [] } : undefined;
  }
}
