import { toBinary } from '@bufbuild/protobuf';
import type { OwnerSystem, WorldSnapshot } from '@persistd/contract';
import { canonicalizeInPlace } from '../canonical-record';
import { COMPILED_MODULES } from '../owner-modules';

/**
 * DESIGN §5 canonical form: records sorted by id (ids are ASCII, so code-unit order is the only
 * order), map keys ascending, defaults and -0 omitted — the bytes `toBinary` writes for the
 * records so arranged. The same world in any input order gives the same bytes.
 */

/** One system's records in canonical order, each encoded. */
export interface CanonicalSection {
  system: OwnerSystem;
  /** Number of the section's repeated record field (chunks are entries of this field). */
  recordFieldNo: number;
  ids: string[];
  records: Uint8Array[];
}

/** Compares ids by UTF-16 code unit, never by locale. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The five sections of a snapshot in canonical form, in restore order. Call it only on a
 * snapshot that passed validation (all sections present, no runtime-only or unknown fields).
 * Records are canonicalized in place: the snapshot is the caller's and is not used afterwards.
 */
export function canonicalSections(snapshot: WorldSnapshot): CanonicalSection[] {
  return COMPILED_MODULES.map(({ entry, module, recordsField, readId }) => {
    const section = snapshot[entry.section] as unknown as Record<string, unknown> | undefined;
    if (!section) throw new Error(`canonicalSections: section ${entry.section} is absent`);
    const records = (section[entry.recordField] as Record<string, unknown>[]).map((r) => ({ id: String(readId(r) ?? ''), r }));
    records.sort((a, b) => compareIds(a.id, b.id));
    return {
      system: module.system,
      recordFieldNo: recordsField.number,
      ids: records.map((x) => x.id),
      records: records.map((x) => {
        canonicalizeInPlace(module.record, x.r);
        return toBinary(module.record, x.r as never);
      }),
    };
  });
}
