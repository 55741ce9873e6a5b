import { WireType } from '@bufbuild/protobuf/wire';
import { DigestSum, sha256Latin1 } from '@persistd/contract';
import { COMPILED_MODULES } from '../owner-modules';
import type { Chunk } from '../stored-form/chunks';
import { storedRecordView } from '../wire/read-request';
import { RecordScan } from '../wire/scan-record';
import { WireReader } from '../wire/wire-reader';
import { idOf } from '../rules/snapshot-context';
import { leafOf, type BaseIndex, type Leaf } from './base-index';
import { emptySection, learnFacts, ShaRecords } from './index-rows';
import type { BaseSection } from './base-records';
import { factsOf } from './record-facts';

/**
 * An epoch's index (base-index.ts) from its record chunks: of an epoch restored, or committed by a
 * whole Save or a SaveChanges' full path (save-changes/index-in-background.ts), or of a base whose
 * index a SaveChanges did not find (save-changes/rebuild-index.ts). It costs what the world
 * costs, on a save worker, never on the event loop. splitChunks also serves SaveChanges' fast
 * path, for the few record chunks a change falls in.
 */

const asBuffer = (bytes: Uint8Array): Buffer => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));

/**
 * Visits each record of a stored record chunk in order: its light view — the view the Save's rules
 * read (wire/read-request.ts), scanned from the stored canonical bytes, not decoded — its id, and
 * where in `buf` its entry starts (`at`) and its body lies ([start, end)).
 */
function eachRecord(k: number, buf: Buffer, scan: RecordScan, visit: (view: object, id: string, at: number, start: number, end: number) => void): void {
  const { recordsField, readId } = COMPILED_MODULES[k];
  const r = new WireReader(buf);
  while (r.pos < r.len) {
    const at = r.pos;
    const [no, wt] = r.tag();
    if (no !== recordsField.number || wt !== WireType.LengthDelimited) {
      r.skip(wt, no);
      continue;
    }
    const length = r.uint32();
    const start = r.pos;
    const view = storedRecordView(k, r, start, start + length, scan);
    visit(view, idOf(readId(view as never)), at, start, start + length);
  }
}

/** A section's records split out of its record chunks (in order), and the leaves those chunks make. */
export function splitChunks(k: number, chunks: readonly Pick<Chunk, 'id' | 'bytes'>[]): { records: BaseSection; leaves: Leaf[] } {
  const records: BaseSection = { ids: [], entries: [], bodyAt: [] };
  const leaves: Leaf[] = [];
  const scan = new RecordScan();
  for (const c of chunks) {
    const buf = asBuffer(c.bytes);
    const before = records.ids.length;
    eachRecord(k, buf, scan, (_, id, at, start, end) => {
      records.entries.push(buf.subarray(at, end));
      records.bodyAt.push(start - at);
      records.ids.push(id);
    });
    const n = records.ids.length - before;
    leaves.push(leafOf(c.id, c.bytes.byteLength, n, n > 0 ? records.ids[records.ids.length - 1] : '', n > 0 ? records.entries[records.entries.length - 1].byteLength : 0));
  }
  return { records, leaves };
}

/** Records in a section's chunks, counted by their tags alone: the rows to make room for. */
function recordsIn(k: number, chunks: readonly Pick<Chunk, 'bytes'>[]): number {
  const field = COMPILED_MODULES[k].recordsField.number;
  let n = 0;
  for (const c of chunks) {
    const r = new WireReader(asBuffer(c.bytes));
    while (r.pos < r.len) {
      const [no, wt] = r.tag();
      if (no === field && wt === WireType.LengthDelimited) n++;
      r.skip(wt, no);
    }
  }
  return n;
}

/**
 * The index of a stored epoch from its record chunks per section, in one pass: each record
 * scanned once for its id and facts and hashed once, and nothing of it kept past its row — no
 * view, entry, digest string or bigint per record (an L world's index took 1.3-1.9 s when each
 * step kept every record's for the next).
 */
export function indexOfStoredChunks(worldId: string, epoch: bigint, digest: string, sections: readonly Pick<Chunk, 'id' | 'bytes'>[][]): BaseIndex {
  const out = sections.map((chunks, k) => emptySection(COMPILED_MODULES[k].entry.system, recordsIn(k, chunks), 0, 0));
  const scan = new RecordScan();
  const rows = new ShaRecords();
  sections.forEach((chunks, k) => {
    const s = out[k];
    const compiled = COMPILED_MODULES[k];
    const sum = new DigestSum();
    for (const c of chunks) {
      const buf = asBuffer(c.bytes);
      let n = 0;
      let lastId = '';
      let lastEntryBytes = 0;
      eachRecord(k, buf, scan, (view, id, at, start, end) => {
        const sha = sha256Latin1(new Uint8Array(buf.buffer, buf.byteOffset + start, end - start));
        sum.add(sha);
        const row = rows.put(s, id, sha);
        const f = factsOf(compiled, view);
        if (f.refs.length > 0 || f.claims.length > 0 || f.parent !== undefined) learnFacts(out, k, row, f);
        n++;
        lastId = id;
        lastEntryBytes = end - at;
      });
      s.leaves.push(leafOf(c.id, c.bytes.byteLength, n, lastId, lastEntryBytes));
    }
    s.sum = sum.value();
  });
  return { worldId, epoch, digest, sections: out };
}
