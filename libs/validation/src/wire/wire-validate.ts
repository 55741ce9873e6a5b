import { SaveRequestSchema } from '@persistd/contract';
import { COMPILED_MODULES } from '../owner-modules';
import { runRules, SNAPSHOT_RULES, type SnapshotCheckInput, type SnapshotRule } from '../rules';
import { lostMapKeysOf, type LostMapKey, type RecordRoot, type WireStep } from '../rules/lost-map-keys';
import type { Report } from '../rules/rule';
import { runtimeState } from '../rules/runtime-state';
import { buildContext } from '../rules/snapshot-context';
import type { RuleViolation } from '../violation';
import { makeTyped, type WireRequest } from './read-request';

/**
 * Validation of a request read at wire level: the very rules validateSnapshot runs (rules/*.ts),
 * over a snapshot skeleton whose record lists hold the light views, given the request envelope
 * as Save and Validate give it. Only RUNTIME_STATE, which reads whole messages, is shown the
 * records that went the typed way alone.
 */


/**
 * The rules known to read records only through the modules' compiled paths (so a light view,
 * which holds every field a path names, reads as the typed record does), or not at all.
 * DUPLICATE_ID and OWNERSHIP_OVERLAP compare whole records only for repeated ids, which are
 * made typed first. A rule added to SNAPSHOT_RULES must be checked and listed here, or this
 * module refuses to load.
 */
const VIEW_SAFE = new Set<string>([
  'FORBIDDEN_SOURCE',
  'PARTIAL_SAVE',
  'UNSUPPORTED_VERSION',
  'MIXED_VERSION',
  'MIXED_EPOCH',
  'WORLD_MISMATCH',
  'INVALID_FIELD',
  'DUPLICATE_ID',
  'OWNERSHIP_OVERLAP',
  'DANGLING_REFERENCE',
]);
for (const rule of SNAPSHOT_RULES) {
  if (rule.code !== 'RUNTIME_STATE' && !VIEW_SAFE.has(rule.code)) throw new Error(`wire: rule ${rule.code} has not been checked against light record views`);
}

/**
 * RUNTIME_STATE over a wire read: the typed rule itself (runtime-state.ts: the request envelope,
 * the snapshot's and sections' headers, the records), shown only the records that went the typed
 * way — a record passed through has no unknown and no runtime-only field at any depth, so the
 * walk could find nothing in it (and would misread a light view).
 */
function runtimeStateOf(read: WireRequest): SnapshotRule {
  return {
    code: 'RUNTIME_STATE',
    check(ctx, report: Report) {
      const systems = ctx.systems.map((s) => {
        const starts = read.sections.find((w) => w.entry.system === s.compiled.entry.system)!.starts;
        const typed = (_: unknown, i: number) => starts[i] < 0;
        return { ...s, records: s.records.filter(typed), labels: s.labels.filter(typed) };
      });
      runtimeState.check({ ...ctx, systems }, report);
    },
  };
}

/** What the rules are given for a wire read: the request's fields and the snapshot skeleton. */
export function checkInputOf(read: WireRequest): SnapshotCheckInput {
  const h = read.header;
  const input: SnapshotCheckInput = { worldId: h.worldId, expectedEpoch: h.expectedEpoch, source: h.source, snapshot: read.snapshot, request: { desc: read.schema, message: h } };
  if (read.schema === SaveRequestSchema) input.requestId = (h as { requestId: string }).requestId;
  return input;
}

/** Where a Save's or Validate's records sit: `snapshot.<section>.<records>[i]`. */
const SNAPSHOT_ROOTS: readonly RecordRoot[] = COMPILED_MODULES.map((m) => ({ system: m.entry.system, steps: ['snapshot', m.sectionField.name, m.recordsField.name] }));

/** The records of a Save or Validate holding the map keys `__proto__` the census found (wire-census.ts `lostKeys`). */
export function lostMapKeysOfSnapshot(found: readonly (readonly WireStep[])[]): LostMapKey[] {
  return lostMapKeysOf(found, SNAPSHOT_ROOTS);
}

/**
 * Every violation of a request read at wire level: deep-equal to validateSnapshot's answer for
 * the same bytes decoded typed (same codes, systems, record ids, paths, messages, order), plus
 * the map keys `__proto__` the census found in the bytes, which no decoded record shows. Records
 * whose id repeats are decoded typed here, in `read`, before the rules run.
 */
export function validateWireRequest(read: WireRequest, lostMapKeys?: readonly LostMapKey[]): RuleViolation[] {
  const input = checkInputOf(read);
  if (lostMapKeys && lostMapKeys.length > 0) input.lostMapKeys = lostMapKeys;
  const ctx = buildContext(input, COMPILED_MODULES);
  ctx.systems.forEach((s, k) => {
    for (const indexes of s.repeated.values()) for (const i of indexes) makeTyped(read, k, i);
  });
  const runtime = runtimeStateOf(read);
  return runRules(ctx, SNAPSHOT_RULES.map((rule) => (rule.code === 'RUNTIME_STATE' ? runtime : rule)));
}
