import { create, type Message } from '@bufbuild/protobuf';
import { OwnerSystem, SaveChangesRequestSchema, WorldSnapshotSchema, type SaveChangesRequest, type WorldSnapshot } from '@persistd/contract';
import { ID_PATTERN } from '@persistd/ownership';
import { canonicalBytes } from '../canonical-record';
import { COMPILED_MODULES } from '../owner-modules';
import { forbiddenSource } from '../rules/forbidden-source';
import { invalidField } from '../rules/invalid-field';
import { mixedEpoch } from '../rules/mixed-epoch';
import { mixedVersion } from '../rules/mixed-version';
import { partialSave } from '../rules/partial-save';
import { runRules } from '../rules';
import { shown } from '../rules/rule';
import { lostMapKeysOf, reportLostMapKeys, type LostMapKey } from '../rules/lost-map-keys';
import { runtimeState } from '../rules/runtime-state';
import { buildContext, idOf } from '../rules/snapshot-context';
import { unsupportedVersion } from '../rules/unsupported-version';
import { worldMismatch } from '../rules/world-mismatch';
import { wireCensus } from '../wire/wire-census';
import { sortViolations, type RuleViolation } from '../violation';
import { CHANGES_LAYOUT, sectionChanges } from './layout';

/**
 * The rules a change set can break on its own, without the base (DESIGN §4 "the request's own"):
 * source, partial, stamps, world, runtime state and the field rules of the upserts. The snapshot
 * rules that look across records (ids, claims, references) need the result and run on it.
 */
const OWN_RULES = [forbiddenSource, partialSave, unsupportedVersion, mixedVersion, mixedEpoch, worldMismatch, runtimeState, invalidField];

/** A change request's own findings, split by whether a check of the result would report them too. */
export interface ChangeRequestFindings {
  /** Every violation of the request itself, sorted: what a refusal without a result lists. */
  own: RuleViolation[];
  /**
   * Those no rule over the resulting snapshot can see (change-set-only violations, ids in
   * `deletes`, runtime state on the change messages, expected_epoch 0): added to the result's.
   */
  beyondResult: RuleViolation[];
}

/**
 * The snapshot the own rules read: each section's stamps with its upserts as records. Unknown
 * fields of the change messages ride on the snapshot and its sections, so RUNTIME_STATE reports
 * them where the same field of a snapshot would be.
 */
function upsertSnapshot(req: SaveChangesRequest): WorldSnapshot | undefined {
  const changes = req.changes;
  if (!changes) return undefined;
  const snapshot = create(WorldSnapshotSchema, { schemaVersion: changes.schemaVersion }) as unknown as Record<string, unknown>;
  if (changes.$unknown) snapshot.$unknown = changes.$unknown;
  for (const layout of CHANGES_LAYOUT) {
    const c = sectionChanges(req, layout);
    if (!c) continue;
    const { sectionDesc, recordsField, entry } = layout.compiled;
    const section = create(sectionDesc, { sourceEpoch: c.sourceEpoch, schemaVersion: c.schemaVersion } as never) as unknown as Record<string, unknown>;
    section[recordsField.localName] = c.upserts;
    if (entry.section === 'world') Object.assign(section, { worldId: c.worldId ?? '', contentVersion: c.contentVersion ?? '' });
    const unknown = (c as unknown as Message).$unknown;
    if (unknown) section.$unknown = unknown;
    snapshot[entry.section] = section;
  }
  return snapshot as unknown as WorldSnapshot;
}

/**
 * Violations only a change set can have (DESIGN §3), reported once per id at
 * `<records field>.upserts[<id>]` / `<records field>.deletes[<id>]`: an id upserted twice
 * (DUPLICATE_ID identical, OWNERSHIP_OVERLAP different), upserted and deleted (OWNERSHIP_OVERLAP,
 * at the delete), deleted twice (DUPLICATE_ID), and a deleted id that breaks the id rule.
 */
function changeSetOnly(req: SaveChangesRequest): RuleViolation[] {
  const out: RuleViolation[] = [];
  for (const layout of CHANGES_LAYOUT) {
    const c = sectionChanges(req, layout);
    if (!c) continue;
    const { entry, recordDesc, readId } = layout.compiled;
    const at = (kind: 'upserts' | 'deletes', id: string) => `${entry.recordField}.${kind}[${id}]`;
    const upserted = new Map<string, Record<string, unknown>[]>();
    for (const u of c.upserts) {
      const id = idOf(readId(u as never));
      if (id === '') continue;
      const seen = upserted.get(id);
      if (seen) seen.push(u);
      else upserted.set(id, [u]);
    }
    for (const [id, records] of upserted) {
      if (records.length < 2) continue;
      // Only an id upserted more than once is encoded: telling identical from different copies.
      const copies = records.map((u) => canonicalBytes(recordDesc, u as never));
      const identical = copies.every((b) => Buffer.compare(b, copies[0]) === 0);
      out.push(
        identical
          ? { code: 'DUPLICATE_ID', system: entry.system, recordId: id, path: at('upserts', id), message: `${entry.name} ${id} is upserted ${copies.length} times with identical content` }
          : { code: 'OWNERSHIP_OVERLAP', system: entry.system, recordId: id, path: at('upserts', id), message: `${entry.name} ${id} is upserted ${copies.length} times with different content` },
      );
    }
    const deleted = new Map<string, number>();
    for (const id of c.deletes) deleted.set(id, (deleted.get(id) ?? 0) + 1);
    for (const [id, times] of deleted) {
      if (!ID_PATTERN.test(id)) {
        out.push({ code: 'INVALID_FIELD', system: entry.system, recordId: id, path: at('deletes', id), message: `a deleted id must match ${ID_PATTERN.source} (got ${shown(id)})` });
        continue;
      }
      if (times > 1) out.push({ code: 'DUPLICATE_ID', system: entry.system, recordId: id, path: at('deletes', id), message: `${entry.name} ${id} is deleted ${times} times` });
      if (upserted.has(id)) out.push({ code: 'OWNERSHIP_OVERLAP', system: entry.system, recordId: id, path: at('deletes', id), message: `${entry.name} ${id} is both upserted and deleted` });
    }
  }
  return out;
}

const UNBOUNDED = { maxRecordsPerSection: Infinity, maxStringBytes: Infinity, maxMapEntries: Infinity };

/**
 * The upserts holding a map key `__proto__` in a SaveChangesRequest's bytes (`changes.<section>.upserts[i]`):
 * the decoded request has lost them (lost-map-keys.ts), so the census reads them from the bytes.
 */
export function lostMapKeysOfChanges(bytes: Uint8Array): LostMapKey[] {
  const roots = CHANGES_LAYOUT.map((l) => ({ system: l.compiled.entry.system, steps: ['changes', l.changesField.name, 'upserts'] as const }));
  return lostMapKeysOf(wireCensus(SaveChangesRequestSchema, bytes, UNBOUNDED).lostKeys, roots);
}

/**
 * Every finding a SaveChangesRequest has before its base is read: pure, on the save workers.
 * `expected_epoch` 0 is INVALID_FIELD (a world's first save is a whole Save). `lostMapKeys`:
 * the request bytes' map keys `__proto__` (lostMapKeysOfChanges), which the result cannot show.
 */
export function checkChangeRequest(req: SaveChangesRequest, lostMapKeys: readonly LostMapKey[] = []): ChangeRequestFindings {
  const input = {
    lostMapKeys,
    worldId: req.worldId,
    expectedEpoch: req.expectedEpoch,
    source: req.source,
    snapshot: upsertSnapshot(req),
    requestId: req.requestId,
    request: { desc: SaveChangesRequestSchema, message: req as Message },
  };
  const ctx = buildContext(input, COMPILED_MODULES);
  const fromRules = runRules(ctx, OWN_RULES);
  const beyondResult = changeSetOnly(req);
  // A lost map key is gone from the upsert, so from the result too: only the request shows it.
  reportLostMapKeys(ctx, (code, system, recordId, path, message) => beyondResult.push({ code, system, recordId, path, message }));
  // Unknown fields on the request and its change messages: a result carries none of them.
  for (const v of fromRules) if (v.code === 'RUNTIME_STATE' && v.recordId === '') beyondResult.push(v);
  if (req.expectedEpoch === 0n) {
    beyondResult.push({ code: 'INVALID_FIELD', system: OwnerSystem.UNSPECIFIED, recordId: '', path: 'expected_epoch', message: 'expected_epoch must be at least 1: a world\'s first save is a whole Save' });
  }
  const own = sortViolations(uniqueViolations([...fromRules, ...beyondResult]));
  return { own, beyondResult: sortViolations(uniqueViolations(beyondResult)) };
}

/** The violations with each (code, system, record, path) once: the request's and the result's findings of one datum agree. */
export function uniqueViolations(violations: readonly RuleViolation[]): RuleViolation[] {
  const seen = new Set<string>();
  return violations.filter((v) => {
    const key = `${v.code}\u0000${v.system}\u0000${v.recordId}\u0000${v.path}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
