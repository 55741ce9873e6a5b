import { WireType } from '@bufbuild/protobuf/wire';
import { COMPILED_MODULES } from '../owner-modules';
import type { Chunk } from '../stored-form/chunks';
import { storedRecordView } from '../wire/read-request';
import { RecordScan } from '../wire/scan-record';
import { WireReader } from '../wire/wire-reader';
import { idOf } from '../rules/snapshot-context';
import { buildIndex, digestSection, leafOf, type BaseIndex, type Leaf } from './base-index';
import type { BaseSection } from './base-records';
import { factsOf } from './record-facts';

/**
 * An epoch's index (base-index.ts) from its record chunks: of an epoch restored, or committed by a
 * whole Save or a SaveChanges' full path. It costs what the world costs, on a save worker, never
 * on the event loop, and never on a call's path (save-changes/index-in-background.ts).
 * splitChunks also serves SaveChanges' fast path, for the few record chunks a change falls in.
 */

/**
 * A section's records split out of its record chunks (in order), each with its light view — the
 * view the Save's rules read (wire/read-request.ts), scanned from the stored canonical bytes, not
 * decoded — and the leaves those chunks make.
 */
export function splitChunks(k: number, chunks: readonly Pick<Chunk, 'id' | 'bytes'>[]): { records: BaseSection; views: object[]; leaves: Leaf[] } {
  const records: BaseSection = { ids: [], entries: [], bodyAt: [] };
  const views: object[] = [];
  const leaves: Leaf[] = [];
  const { recordsField, readId } = COMPILED_MODULES[k];
  const scan = new RecordScan();
  for (const c of chunks) {
    const buf = Buffer.isBuffer(c.bytes) ? c.bytes : Buffer.from(c.bytes.buffer, c.bytes.byteOffset, c.bytes.byteLength);
    const r = new WireReader(buf);
    const before = records.ids.length;
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
      records.entries.push(buf.subarray(at, start + length));
      records.bodyAt.push(start - at);
      records.ids.push(idOf(readId(view as never)));
      views.push(view);
    }
    const n = records.ids.length - before;
    leaves.push(leafOf(c.id, c.bytes.byteLength, n, n > 0 ? records.ids[records.ids.length - 1] : '', n > 0 ? records.entries[records.entries.length - 1].byteLength : 0));
  }
  return { records, views, leaves };
}

/** The index of a stored epoch from its record chunks per section, each record scanned once for its id and facts. */
export function indexOfStoredChunks(worldId: string, epoch: bigint, digest: string, sections: readonly Pick<Chunk, 'id' | 'bytes'>[][]): BaseIndex {
  return buildIndex(
    worldId,
    epoch,
    digest,
    sections.map((chunks, k) => {
      const { records, views, leaves } = splitChunks(k, chunks);
      const compiled = COMPILED_MODULES[k];
      return {
        system: compiled.entry.system,
        ids: records.ids,
        factsAt: (i: number) => factsOf(compiled, views[i]),
        digests: digestSection(records),
        leaves,
      };
    }),
  );
}
