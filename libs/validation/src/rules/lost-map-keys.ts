import { OwnerSystem } from '@persistd/contract';
import { UNHOLDABLE_MAP_KEY } from '@persistd/ownership';
import type { Report } from './rule';
import type { SnapshotContext } from './snapshot-context';

/**
 * A map key `__proto__` (docs/rules.md: INVALID_FIELD; DESIGN §4's map-key pattern admits it,
 * and the closing note asks DESIGN to say "a map key is not `__proto__`"), which no
 * decoded record can show: protobuf-es's maps are plain objects and drop it, so a record would
 * be accepted and stored without it. Only the bytes still hold it, and the wire census reads
 * every map key of every request (wire-census.ts); what it notes is placed here on the records
 * the rules see, and INVALID_FIELD reports it beside the other field rules, in their order.
 */
export interface LostMapKey {
  /** The owner system whose record holds the key; UNSPECIFIED for a map outside any record. */
  system: OwnerSystem;
  /** The record's index in its section (or change set's upserts); -1 outside any record. */
  record: number;
  /** The key's path inside the record, as paths name data: `save.attributes[__proto__]`. */
  path: string;
}

/** One step of a path found in the bytes: a field name, a list index, or a map value's `[key]`. */
export type WireStep = string | number;

/** Where the records of one system sit in a request: its field names down to the record list. */
export interface RecordRoot {
  system: OwnerSystem;
  steps: readonly [string, string, string];
}

function written(steps: readonly WireStep[]): string {
  let out = '';
  for (const s of steps) out += typeof s === 'number' ? `[${s}]` : s.startsWith('[') || out === '' ? s : `.${s}`;
  return out;
}

/** The records holding each key path the census found (the path ends at the map field). */
export function lostMapKeysOf(found: readonly (readonly WireStep[])[], roots: readonly RecordRoot[]): LostMapKey[] {
  return found.map((steps) => {
    const key = [...steps, `[${UNHOLDABLE_MAP_KEY}]`];
    const root = roots.find((r) => r.steps.every((s, i) => steps[i] === s) && typeof steps[3] === 'number');
    return root ? { system: root.system, record: steps[3] as number, path: written(key.slice(4)) } : { system: OwnerSystem.UNSPECIFIED, record: -1, path: written(key) };
  });
}

/** Reports each lost key as INVALID_FIELD at the key's path, the record named as every rule names it. */
export function reportLostMapKeys({ input, bySystem }: SnapshotContext, report: Report): void {
  for (const lost of input.lostMapKeys ?? []) {
    const why = `a map key is not ${UNHOLDABLE_MAP_KEY} (a JavaScript object cannot hold it)`;
    const system = bySystem.get(lost.system);
    const label = system?.labels[lost.record];
    if (!system || label === undefined) {
      report('INVALID_FIELD', OwnerSystem.UNSPECIFIED, '', lost.path, `${lost.path}: ${why}`);
      continue;
    }
    report('INVALID_FIELD', lost.system, label, `${system.compiled.entry.recordField}[${label}].${lost.path}`, `${lost.path}: ${why}`);
  }
}
