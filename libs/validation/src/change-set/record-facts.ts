import type { CompiledModule } from '../rules/compiled-module';
import { claimKeyOf } from '../rules/claim-key';

/**
 * What the cross-record rules (DUPLICATE_ID aside) read of one record, from its owner module:
 * the records it names (DANGLING_REFERENCE), the exclusive tuples it claims (OWNERSHIP_OVERLAP's
 * claims: an inventory slot) and its parent along the module's acyclic path (a zone's parent).
 * SaveChanges keeps these for the base (base-index.ts) and computes them for the upserts, so a
 * change set is checked against the base in O(change) (fast-check.ts).
 */
export interface RecordFacts {
  /** Each non-empty reference as `<target system>\u0000<id>` (refKey), in module order. */
  refs: string[];
  /** Each claim the record makes as `<claim index>\u0000<tuple key>` (claimKeyOf). */
  claims: string[];
  /** The acyclic path's value, when the module has one and it is set. */
  parent?: string;
}

/** A referenced record named across systems. */
export const refKey = (system: number, id: string): string => `${system}\u0000${id}`;

/** The facts of one record (typed, or a wire-level light view: both read through the compiled paths). */
export function factsOf(compiled: CompiledModule, record: object): RecordFacts {
  const refs: string[] = [];
  for (const { ref, read } of compiled.references) {
    const value = read(record);
    if (typeof value === 'string' && value !== '') refs.push(refKey(ref.target, value));
  }
  const claims: string[] = [];
  compiled.claims.forEach(({ reads }, c) => {
    const key = claimKeyOf(reads, record);
    if (key !== undefined) claims.push(`${c}\u0000${key}`);
  });
  const parent = compiled.acyclic?.(record);
  return typeof parent === 'string' && parent !== '' ? { refs, claims, parent } : { refs, claims };
}
