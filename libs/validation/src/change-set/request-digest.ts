import { toBinary, type DescMessage } from '@bufbuild/protobuf';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { SaveChangesRequestSchema, WorldChangesSchema, type SaveChangesRequest } from '@persistd/contract';
import { compareIds } from '../stored-form/canonical';
import { requestDigestHash } from '../request-digest';
import { varintSize } from '../wire/envelope-walk';
import { canonicalUpserts } from './canonical-upserts';
import { CHANGES_LAYOUT, sectionChanges } from './layout';

/**
 * A SaveChanges' request digest (request-digest.ts): over the world, expected_epoch, source and
 * the canonical change set — upserts canonical and sorted by id, deletes sorted, stamps,
 * content_version and the expectations — with request_id left out. The same request in any order
 * gives the same digest; it does not depend on the stored form.
 *
 * The bytes hashed are `toBinary` of that canonical request, assembled here from its parts instead
 * of built as a message: each level (request, WorldChanges, each *Changes) is encoded without the
 * field that holds the level below — small, since the records are left out — and the records'
 * canonical bytes (canonical-upserts.ts, encoded once for the fast path too) are spliced in where
 * toBinary would write them: it writes known fields by ascending number, then unknown fields.
 * Cloning and re-encoding a 2,500-record change set cost more than checking it. `bytes`, the
 * request as received, lets its canonical records be taken as they came (canonical-upserts.ts).
 */
export function changeRequestDigest(req: SaveChangesRequest, bytes?: Uint8Array): string {
  const hash = requestDigestHash('SaveChanges');
  for (const part of canonicalRequestParts(req, bytes)) hash.update(part);
  return hash.digest('hex');
}

/** The canonical request without request_id, as the byte parts whose concatenation toBinary would write. */
function canonicalRequestParts(req: SaveChangesRequest, bytes?: Uint8Array): Uint8Array[] {
  const upserts = canonicalUpserts(req, bytes);
  const changes = req.changes;
  const parts: Uint8Array[] = [];
  const shell = toBinary(SaveChangesRequestSchema, { ...req, requestId: '', changes: undefined });
  const cut = fieldsBefore(shell, CHANGES_NO);
  parts.push(shell.subarray(0, cut));
  if (changes) {
    const noSections = Object.fromEntries(CHANGES_LAYOUT.map((l) => [l.changesField.localName, undefined]));
    const worldShell = toBinary(WorldChangesSchema, { ...changes, ...noSections });
    const worldCut = fieldsBefore(worldShell, FIRST_SECTION_NO);
    const inner: Uint8Array[] = [worldShell.subarray(0, worldCut)];
    for (const k of BY_FIELD_NUMBER) {
      const layout = CHANGES_LAYOUT[k];
      const c = sectionChanges(req, layout);
      if (!c) continue;
      const upsertsNo = UPSERTS_NO[k];
      const sectionShell = toBinary(layout.changesDesc, { ...c, upserts: [], deletes: [...c.deletes].sort(compareIds) } as never);
      const sectionCut = fieldsBefore(sectionShell, upsertsNo);
      const section: Uint8Array[] = [sectionShell.subarray(0, sectionCut)];
      for (const u of upserts[k]) section.push(lengthDelimited(upsertsNo, u.body.length), u.body);
      section.push(sectionShell.subarray(sectionCut));
      inner.push(lengthDelimited(layout.changesField.number, byteLength(section)), ...section);
    }
    inner.push(worldShell.subarray(worldCut));
    parts.push(lengthDelimited(CHANGES_NO, byteLength(inner)), ...inner);
  }
  parts.push(shell.subarray(cut));
  return parts;
}

function numberOf(desc: DescMessage, name: string): number {
  const f = desc.fields.find((x) => x.name === name);
  if (!f) throw new Error(`change-set: ${desc.typeName} has no ${name}`);
  return f.number;
}

const CHANGES_NO = numberOf(SaveChangesRequestSchema, 'changes');
const UPSERTS_NO = CHANGES_LAYOUT.map((l) => numberOf(l.changesDesc, 'upserts'));
/** Section indexes in the order of their WorldChanges field numbers, which toBinary writes in. */
const BY_FIELD_NUMBER = CHANGES_LAYOUT.map((_, k) => k).sort((a, b) => CHANGES_LAYOUT[a].changesField.number - CHANGES_LAYOUT[b].changesField.number);
const FIRST_SECTION_NO = CHANGES_LAYOUT[BY_FIELD_NUMBER[0]].changesField.number;

/** Where the leading fields numbered below `no` end in `bytes` (toBinary's output: known fields ascending, then unknown ones). */
function fieldsBefore(bytes: Uint8Array, no: number): number {
  const r = new BinaryReader(bytes);
  while (r.pos < r.len) {
    const start = r.pos;
    const [n, wt] = r.tag();
    if (n >= no) return start;
    r.skip(wt, n);
  }
  return r.len;
}

/** A length-delimited field's tag and length. */
function lengthDelimited(no: number, length: number): Uint8Array {
  const tag = (no << 3) | WireType.LengthDelimited;
  const out = new Uint8Array(varintSize(tag) + varintSize(length));
  let at = 0;
  for (let v of [tag, length]) {
    while (v > 0x7f) {
      out[at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    out[at++] = v;
  }
  return out;
}

function byteLength(parts: readonly Uint8Array[]): number {
  let n = 0;
  for (const p of parts) n += p.byteLength;
  return n;
}
