import { SaveChangesRequestSchema, WorldChangesSchema } from '@persistd/contract';
import { CHANGES_LAYOUT } from '../change-set/layout';
import { walk, type Span } from './envelope-walk';
import { recordPlan } from './field-plan';
import { RecordScan, scanRecord } from './scan-record';
import { WireReader } from './wire-reader';

/**
 * The canonical bytes of a SaveChanges' upserts, read at wire level: one walk over the request
 * finds each upsert's byte range (request → WorldChanges → each *Changes → upserts, every
 * repetition of a level in wire order, as the typed decoder merges them), and the strict scanner
 * (scan-record.ts) keeps a record's bytes as they came when they are exactly what the typed path
 * would store. Encoding the records again cost more than any other step of a change set's checks.
 * @internal
 */

const CHANGES_NO = SaveChangesRequestSchema.fields.find((f) => f.name === 'changes')!.number;
const SECTION_OF_NUMBER = new Map<number, number>(CHANGES_LAYOUT.map((l, k) => [l.changesField.number, k]));
const UPSERTS_NO = CHANGES_LAYOUT.map((l) => l.changesDesc.fields.find((f) => f.name === 'upserts')!.number);
const PLANS = CHANGES_LAYOUT.map((l) => recordPlan(l.compiled.module));

/**
 * Per system in restore order, one entry per upsert in request order: its canonical bytes (a view
 * of `bytes`), or undefined when the typed path must encode it (map entries out of order, a
 * written default, an unknown field, …: whatever the scanner is not sure of). Undefined as a
 * whole when the request cannot be walked with certainty: then every upsert goes the typed way.
 */
export function wireUpsertBodies(bytes: Uint8Array): (Uint8Array | undefined)[][] | undefined {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = new WireReader(buf);
  const ignored: Span[] = [];
  try {
    const changes: Span[] = [];
    walk(r, SaveChangesRequestSchema, 0, buf.length, 1, ignored, (no, s, e) => no === CHANGES_NO && changes.push([s, e]) > 0);
    const sections: Span[][] = CHANGES_LAYOUT.map(() => []);
    for (const [s, e] of changes) {
      walk(r, WorldChangesSchema, s, e, 2, ignored, (no, ss, se) => {
        const k = SECTION_OF_NUMBER.get(no);
        return k !== undefined && sections[k].push([ss, se]) > 0;
      });
    }
    const scan = new RecordScan();
    return CHANGES_LAYOUT.map((l, k) => {
      const ranges: Span[] = [];
      for (const [s, e] of sections[k]) walk(r, l.changesDesc, s, e, 3, ignored, (no, rs, re) => no === UPSERTS_NO[k] && ranges.push([rs, re]) > 0);
      // A record whose maps the scanner would sort goes the typed way: rare, and one path fewer.
      return ranges.map(([s, e]) => (scanRecord(r, s, e, PLANS[k], scan) && scan.mapSorts.length === 0 ? buf.subarray(s, e) : undefined));
    });
  } catch {
    return undefined; // a walk that met what only the typed decoder reads with certainty
  }
}
