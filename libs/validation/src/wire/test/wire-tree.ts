import { ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';

/**
 * Test support: a request's bytes as a tree of fields, to write the same data in encodings the
 * typed path reads alike but that are not canonical (fields out of order or twice, defaults
 * written, padded varints, unsorted map keys, unknown fields) and to write it back. Parsing is by
 * the descriptors: a length-delimited field the schema says holds a message is a node with
 * children; everything else keeps its raw payload.
 */
export interface WireNode {
  no: number;
  wt: WireType;
  /** The schema's field, when known. */
  field?: DescField;
  /** Messages (and map entries): the fields inside. */
  kids?: WireNode[];
  /** Everything else: the payload as written (varint bytes, fixed bytes, or a length-delimited payload without its length). */
  raw?: Uint8Array;
  /** Extra continuation bytes to pad the length (or varint) with: a non-minimal encoding. */
  pad?: number;
  /** The message type of `kids` (map entries: undefined). */
  desc?: DescMessage;
}

function holdsMessage(f: DescField | undefined): DescMessage | undefined {
  if (!f) return undefined;
  if (f.fieldKind === 'message') return f.message;
  if (f.fieldKind === 'list' && f.listKind === 'message') return f.message;
  return undefined;
}

/** Parses bytes of `desc` into nodes; throws if they do not parse as a tree. */
export function parseTree(desc: DescMessage | undefined, bytes: Uint8Array, mapField?: DescField): WireNode[] {
  const r = new BinaryReader(bytes);
  const out: WireNode[] = [];
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    const field = mapField ? undefined : desc?.fields.find((f) => f.number === no);
    const node: WireNode = { no, wt, field };
    if (wt === WireType.LengthDelimited) {
      const payload = r.bytes();
      const sub = mapField && no === 2 && mapField.fieldKind === 'map' && mapField.mapKind === 'message' ? mapField.message : holdsMessage(field);
      if (sub) {
        node.desc = sub;
        node.kids = parseTree(sub, payload);
      } else if (field?.fieldKind === 'map') {
        node.kids = parseTree(undefined, payload, field);
      } else {
        node.raw = payload;
      }
    } else {
      const start = r.pos;
      r.skip(wt, no);
      node.raw = bytes.subarray(start, r.pos);
    }
    out.push(node);
  }
  return out;
}

function writeLength(w: BinaryWriter, n: number, pad = 0): void {
  if (pad === 0) {
    w.uint32(n);
    return;
  }
  const bytes: number[] = [];
  let v = n;
  do {
    bytes.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  } while (v > 0);
  for (let i = 1; i < pad; i++) bytes.push(0x80);
  bytes.push(0x00);
  w.raw(new Uint8Array(bytes));
}

/** Writes nodes back to bytes. */
export function writeTree(nodes: readonly WireNode[]): Uint8Array {
  const w = new BinaryWriter();
  for (const n of nodes) {
    w.tag(n.no, n.wt);
    if (n.kids) {
      const inner = writeTree(n.kids);
      writeLength(w, inner.length, n.pad);
      w.raw(inner);
    } else if (n.wt === WireType.LengthDelimited) {
      writeLength(w, n.raw!.length, n.pad);
      w.raw(n.raw!);
    } else if (n.wt === WireType.Varint && n.pad) {
      const raw = [...n.raw!];
      raw[raw.length - 1] |= 0x80;
      for (let i = 1; i < n.pad; i++) raw.push(0x80);
      raw.push(0);
      w.raw(new Uint8Array(raw));
    } else {
      w.raw(n.raw!);
    }
  }
  return w.finish();
}

/** Every message node under `nodes` (depth first), with the path of field names to it. */
export function messageNodes(nodes: WireNode[], path = ''): { node: WireNode; path: string }[] {
  const out: { node: WireNode; path: string }[] = [];
  for (const n of nodes) {
    if (!n.kids || !n.desc) continue;
    const here = `${path}/${n.field?.name ?? n.no}`;
    out.push({ node: n, path: here });
    out.push(...messageNodes(n.kids, here));
  }
  return out;
}

/** The zero value of an implicit-presence scalar field, as written explicitly. */
export function zeroNode(field: DescField): WireNode | undefined {
  if (field.oneof || (field.fieldKind !== 'scalar' && field.fieldKind !== 'enum')) return undefined;
  if (field.fieldKind === 'enum') return { no: field.number, wt: WireType.Varint, field, raw: new Uint8Array([0]) };
  switch (field.scalar) {
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return { no: field.number, wt: WireType.LengthDelimited, field, raw: new Uint8Array(0) };
    case ScalarType.DOUBLE:
      return { no: field.number, wt: WireType.Bit64, field, raw: new Uint8Array(8) };
    case ScalarType.FLOAT:
      return { no: field.number, wt: WireType.Bit32, field, raw: new Uint8Array(4) };
    default:
      return { no: field.number, wt: WireType.Varint, field, raw: new Uint8Array([0]) };
  }
}

/** Inserts a node among `kids` at its field number's place (keeps ascending order). */
export function insertInOrder(kids: WireNode[], node: WireNode): void {
  const at = kids.findIndex((k) => k.no > node.no);
  kids.splice(at < 0 ? kids.length : at, 0, node);
}
