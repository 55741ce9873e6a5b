import { toBinary, type Message } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { OwnerSystem, SaveRequestSchema, WorldSnapshotSchema, type RecordCounts, type SaveChangesRequest } from '@persistd/contract';
import { canonicalBytes } from '../canonical-record';
import { idOf } from '../rules/snapshot-context';
import { compareIds } from '../stored-form/canonical';
import { recordEntry } from '../stored-form/chunks';
import type { RuleViolation } from '../violation';
import type { BaseRecords, BaseSection } from './base-records';
import type { DigestSection } from './base-index';
import { CHANGES_LAYOUT, sectionChanges } from './layout';
import { addDigest, recordDigest, setDigestHex, subtractDigest } from './record-digest';

/**
 * A change set applied to its base (DESIGN §3): the base's records minus `deletes`, with
 * `upserts` replacing or adding by id, encoded as the SaveRequest that saves that whole snapshot.
 * Its bytes go through the Save path itself (every rule, the stored form), so a SaveChanges is
 * checked and stored exactly as that Save. Base entries are copied as stored, never decoded.
 */

/** The result of applying a change set: the whole Save, and what only the change set could tell. */
export interface AppliedChanges {
  /** The encoded SaveRequest of the resulting snapshot (stamps and headers from the change set). */
  saveRequest: Uint8Array;
  /** Base-dependent findings a Save of the result cannot have: deletes of ids the base lacks, a schema version other than the base's, expectations. */
  violations: RuleViolation[];
  counts: RecordCounts;
}

function fieldNo(desc: { fields: readonly { name: string; number: number }[] }, name: string): number {
  const f = desc.fields.find((x) => x.name === name);
  if (!f) throw new Error(`change-set: no field ${name}`);
  return f.number;
}

const REQ = {
  worldId: fieldNo(SaveRequestSchema, 'world_id'),
  expectedEpoch: fieldNo(SaveRequestSchema, 'expected_epoch'),
  requestId: fieldNo(SaveRequestSchema, 'request_id'),
  source: fieldNo(SaveRequestSchema, 'source'),
  snapshot: fieldNo(SaveRequestSchema, 'snapshot'),
};
const SNAPSHOT_SCHEMA_VERSION = fieldNo(WorldSnapshotSchema, 'schema_version');

/**
 * The base section's set digest, and the digests of the base records among `ids` (those a change
 * set deletes or upserts: the only ones it looks up). From the cached index when held; else every
 * base record hashed once for the sum, and only the touched ones kept — a map of an L world's
 * 250,000 digests cost more than hashing them.
 */
function touchedDigests(b: BaseSection, known: DigestSection | undefined, ids: readonly string[]): { digests: Map<string, bigint>; sum: bigint } {
  const digests = new Map<string, bigint>();
  if (known) {
    for (const id of ids) {
      const d = known.digests.get(id);
      if (d !== undefined) digests.set(id, d);
    }
    return { digests, sum: known.sum };
  }
  const touched = new Set(ids);
  let sum = 0n;
  for (let i = 0; i < b.ids.length; i++) {
    const d = recordDigest(b.entries[i].subarray(b.bodyAt[i]));
    sum = addDigest(sum, d);
    if (touched.has(b.ids[i])) digests.set(b.ids[i], d);
  }
  return { digests, sum };
}

/** An upsert that lands in the result: its id, entry bytes and digest. */
interface Landing {
  id: string;
  entry: Uint8Array;
  digest: bigint;
}

/**
 * Applies `req`'s change set to `base` (records of the committed epoch, their digests when the index is cached).
 * Only the first upsert of an id lands (a repeated one is a change-set-only violation already).
 */
export function applyChanges(req: SaveChangesRequest, base: BaseRecords, cached: readonly DigestSection[] | undefined): AppliedChanges {
  const violations: RuleViolation[] = [];
  const changes = req.changes;
  if (changes && changes.schemaVersion !== base.schemaVersion) {
    violations.push({
      code: 'MIXED_VERSION',
      system: OwnerSystem.UNSPECIFIED,
      recordId: '',
      path: 'snapshot.schema_version',
      message: `the change set is schema version ${changes.schemaVersion}, its base epoch ${base.schemaVersion}`,
    });
  }
  const w = new BinaryWriter();
  if (req.worldId !== '') w.tag(REQ.worldId, WireType.LengthDelimited).string(req.worldId);
  if (req.expectedEpoch !== 0n) w.tag(REQ.expectedEpoch, WireType.Varint).uint64(req.expectedEpoch);
  if (req.requestId !== '') w.tag(REQ.requestId, WireType.LengthDelimited).string(req.requestId);
  if (req.source !== 0) w.tag(REQ.source, WireType.Varint).int32(req.source);
  const counts = [0, 0, 0, 0, 0];
  if (changes) {
    w.tag(REQ.snapshot, WireType.LengthDelimited).fork();
    if (changes.schemaVersion !== 0) w.tag(SNAPSHOT_SCHEMA_VERSION, WireType.Varint).uint32(changes.schemaVersion);
    CHANGES_LAYOUT.forEach((layout, k) => {
      const c = sectionChanges(req, layout);
      const { entry, sectionField, sectionDesc, recordsField, recordDesc, readId } = layout.compiled;
      const b = base.sections[k];
      if (!c) {
        counts[k] = b.ids.length;
        return;
      }
      const { digests, sum: baseSum } = touchedDigests(b, cached?.[k], [...c.deletes, ...c.upserts.map((u) => idOf(readId(u as never)))]);
      let sum = baseSum;
      const at = (kind: string, id: string) => `${entry.recordField}.${kind}[${id}]`;
      const gone = new Set<string>();
      for (const id of c.deletes) {
        if (gone.has(id)) continue;
        gone.add(id);
        const d = digests.get(id);
        if (d === undefined) {
          violations.push({ code: 'DANGLING_REFERENCE', system: entry.system, recordId: id, path: at('deletes', id), message: `${entry.name} ${id} is deleted, but the base epoch ${base.epoch} does not hold it` });
          continue;
        }
        digests.delete(id);
        sum = subtractDigest(sum, d);
      }
      const landing: Landing[] = [];
      const unnamed: Uint8Array[] = [];
      const seen = new Set<string>();
      for (const u of c.upserts) {
        const id = idOf(readId(u as never));
        const entryBytes = recordEntry(recordsField.number, toBinary(recordDesc, u as Message as never));
        const d = recordDigest(canonicalBytes(recordDesc, u as never));
        if (id === '') {
          // Kept, so the result's field rules report it exactly as a Save would.
          unnamed.push(entryBytes);
          continue;
        }
        if (seen.has(id)) continue;
        seen.add(id);
        const old = digests.get(id);
        if (old !== undefined) sum = subtractDigest(sum, old);
        digests.set(id, d);
        sum = addDigest(sum, d);
        landing.push({ id, entry: entryBytes, digest: d });
      }
      landing.sort((x, y) => compareIds(x.id, y.id));
      w.tag(sectionField.number, WireType.LengthDelimited).fork();
      if (c.sourceEpoch !== 0n) w.tag(fieldNo(sectionDesc, 'source_epoch'), WireType.Varint).uint64(c.sourceEpoch);
      if (c.schemaVersion !== 0) w.tag(fieldNo(sectionDesc, 'schema_version'), WireType.Varint).uint32(c.schemaVersion);
      if (entry.section === 'world') {
        if (c.worldId) w.tag(fieldNo(sectionDesc, 'world_id'), WireType.LengthDelimited).string(c.worldId);
        if (c.contentVersion) w.tag(fieldNo(sectionDesc, 'content_version'), WireType.LengthDelimited).string(c.contentVersion);
      }
      // Merge the base (canonical order) with the sorted upserts: the result arrives canonical.
      let j = 0;
      let count = 0;
      for (let i = 0; i < b.ids.length; i++) {
        const id = b.ids[i];
        while (j < landing.length && compareIds(landing[j].id, id) < 0) {
          w.raw(landing[j++].entry);
          count++;
        }
        if (j < landing.length && landing[j].id === id) {
          w.raw(landing[j++].entry);
          count++;
          continue;
        }
        if (gone.has(id)) continue;
        w.raw(b.entries[i]);
        count++;
      }
      for (; j < landing.length; j++, count++) w.raw(landing[j].entry);
      for (const e of unnamed) {
        w.raw(e);
        count++;
      }
      w.join();
      counts[k] = count;
      if (c.expectedCount !== undefined && c.expectedCount !== count) {
        violations.push({ code: 'PARTIAL_SAVE', system: entry.system, recordId: '', path: `${entry.section}.expected_count`, message: `the ${entry.name} section would hold ${count} records, the change set expects ${c.expectedCount}: a record was forgotten or added` });
      }
      if (c.expectedDigest !== '' && c.expectedDigest !== setDigestHex(sum)) {
        violations.push({ code: 'PARTIAL_SAVE', system: entry.system, recordId: '', path: `${entry.section}.expected_digest`, message: `the ${entry.name} section's records do not have the digest the change set expects: a record was forgotten or differs` });
      }
    });
    w.join();
  }
  return {
    saveRequest: w.finish(),
    violations,
    counts: { $typeName: 'caelmor.persist.v1.RecordCounts', players: counts[0], zones: counts[1], npcs: counts[2], items: counts[3], quests: counts[4] },
  };
}
