import { ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { WireType } from '@bufbuild/protobuf/wire';
import type { WireReader } from './wire-reader';

/**
 * The envelope walk of the wire reader (internal): a message's fields read one by one, the
 * length-delimited message fields a caller claims handed over as byte ranges (a snapshot, its
 * sections, their records), every other field skipped exactly as the typed decoder would read it
 * and kept, tag included, to be decoded typed. Anything the typed decoder would read otherwise —
 * a known field in another wire type — stops the walk with Typed.
 * @internal
 */

/** The typed decoder's default recursion limit: the skip budget of a message at depth d is this minus d. */
export const RECURSION_LIMIT = 100;

/** Signals that the request must be read by the typed decoder. */
export class Typed extends Error {}

/** [start, end) in the request's bytes. */
export type Span = [start: number, end: number];

/** The wire type a known field must arrive in for the reader to skip it as the typed decoder reads it. */
function wireTypeOfField(field: DescField): WireType | undefined {
  switch (field.fieldKind) {
    case 'message':
      return field.delimitedEncoding ? undefined : WireType.LengthDelimited;
    case 'list':
    case 'map':
      return WireType.LengthDelimited; // a packed list arrives so; an unpacked one is left to the typed decoder
    case 'enum':
      return WireType.Varint;
    case 'scalar':
      switch (field.scalar) {
        case ScalarType.DOUBLE:
        case ScalarType.FIXED64:
        case ScalarType.SFIXED64:
          return WireType.Bit64;
        case ScalarType.FLOAT:
        case ScalarType.FIXED32:
        case ScalarType.SFIXED32:
          return WireType.Bit32;
        case ScalarType.STRING:
        case ScalarType.BYTES:
          return WireType.LengthDelimited;
        default:
          return WireType.Varint;
      }
  }
}

const numbered = new WeakMap<DescMessage, Map<number, DescField>>();

/** A message's fields by number (cached per descriptor). */
function fieldsByNumber(desc: DescMessage): Map<number, DescField> {
  let m = numbered.get(desc);
  if (!m) numbered.set(desc, (m = new Map(desc.fields.map((f) => [f.number, f]))));
  return m;
}

const holdsMessage = (f: DescField) => (f.fieldKind === 'message' && !f.delimitedEncoding) || (f.fieldKind === 'list' && f.listKind === 'message' && !f.delimitedEncoding);

/**
 * Walks one message's fields in [start, end): `take(field, start, end)` gets the payload of the
 * length-delimited fields it claims; every other field is skipped as the typed decoder would
 * read it and its whole bytes (tag included) kept in `rest`, to be decoded typed later.
 */
export function walk(r: WireReader, desc: DescMessage, start: number, end: number, depth: number, rest: Span[], take: (no: number, start: number, end: number, tagStart: number) => boolean): void {
  const fields = fieldsByNumber(desc);
  r.pos = start;
  while (r.pos < end) {
    const tagStart = r.pos;
    const [no, wt] = r.tag();
    const field = fields.get(no);
    if (field && wt === WireType.LengthDelimited && holdsMessage(field)) {
      const n = r.uint32();
      const s = r.pos;
      if (s + n > end) throw new Typed();
      r.pos = s + n;
      if (take(no, s, s + n, tagStart)) continue;
      rest.push([tagStart, r.pos]);
      continue;
    }
    if (field && wt !== wireTypeOfField(field)) throw new Typed();
    r.skip(wt, no, RECURSION_LIMIT - depth);
    if (r.pos > end) throw new Typed();
    rest.push([tagStart, r.pos]);
  }
}

/** Writes the varint of `n` (a non-negative integer) into `out` at `at`; returns where it ends. */
export function writeVarint(out: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    out[at++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  out[at++] = n;
  return at;
}

/** Bytes of a varint of `n` (< 2^32). */
export function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

