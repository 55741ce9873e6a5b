import { setDigestHex } from './record-digest';
import { addDigest, subtractDigest } from './record-digest';
import type { BaseIndex } from './base-index';
import { CHANGES_LAYOUT } from './layout';
import { refKey } from './record-facts';
import { claimOwner, digestOf, holds, incomingOf, parentOf as baseParentOf, refsOf } from './index-rows';
import type { UpsertFacts } from './upsert-facts';

/**
 * SaveChanges' cross-record check in O(change) (DESIGN §5 "Change sets", §7): the result's ids,
 * claims, references and parents judged from the base index and the change alone. It only
 * decides "accept": it answers `accept` exactly when every rule over the resulting snapshot
 * finds nothing, given that
 *   - the base epoch passed every rule under this daemon's rules version (so its records are
 *     unique, claim nothing twice, reference only records it holds and form no cycle), and
 *   - the request's own checks found nothing (every section present and stamped, each upsert
 *     passing the per-record rules, no id upserted twice or both upserted and deleted).
 * Anything else — a hit, or anything it does not judge — is `full` with why: the full path then
 * forms the whole result and gives the exact violation list. Pure; reads the index, never
 * changes it.
 */

/** One system's change set, as the fast path sees it. */
export interface SectionChange {
  /** Sorted by id, ids unique (upsert-facts.ts). */
  upserts: UpsertFacts[];
  deletes: string[];
  expectedCount?: number;
  expectedDigest: string;
}

/** The verdict: accept with the result's counts and digest sums, or take the full path. */
export type FastVerdict = { accept: true; counts: number[]; sums: bigint[] } | { accept: false; why: string };

/** A cycle search longer than this is not judged here: the full path looks. */
const MAX_PARENT_WALK = 10_000;

export function checkAgainstIndex(index: BaseIndex, changes: readonly SectionChange[], maxRecordsPerSection: number): FastVerdict {
  const full = (why: string): FastVerdict => ({ accept: false, why });
  if (changes.length !== index.sections.length) return full('sections');
  const upserted = changes.map((c) => new Map(c.upserts.map((u) => [u.id, u])));
  const deleted = changes.map((c) => new Set(c.deletes));
  const systemAt = new Map(CHANGES_LAYOUT.map((l, k) => [l.compiled.entry.system as number, k]));
  const inResult = (system: number, id: string): boolean => {
    const k = systemAt.get(system);
    if (k === undefined) return false;
    return upserted[k].has(id) || (holds(index.sections[k], id) && !deleted[k].has(id));
  };

  const counts: number[] = [];
  const sums: bigint[] = [];
  // References the result loses: those of base records deleted or replaced, by target.
  const lost = new Map<string, number>();
  for (let k = 0; k < changes.length; k++) {
    const c = changes[k];
    const s = index.sections[k];
    let count = s.size;
    let sum = s.sum;
    for (const id of deleted[k]) {
      const d = digestOf(s, id);
      if (d === undefined) return full(`delete of ${id}, absent from the base`);
      if (upserted[k].has(id)) return full(`${id} upserted and deleted`);
      sum = subtractDigest(sum, d);
      count--;
    }
    if (deleted[k].size !== c.deletes.length) return full('a delete repeated');
    for (const u of c.upserts) {
      const old = digestOf(s, u.id);
      if (old === undefined) count++;
      else sum = subtractDigest(sum, old);
      sum = addDigest(sum, u.digest);
    }
    if (upserted[k].size !== c.upserts.length) return full('an upsert repeated');
    if (count > maxRecordsPerSection) return full('records per section');
    if (c.expectedCount !== undefined && c.expectedCount !== count) return full('expected_count');
    if (c.expectedDigest !== '' && c.expectedDigest !== setDigestHex(sum)) return full('expected_digest');
    counts.push(count);
    sums.push(sum);
    const gone = (id: string) => {
      for (const r of refsOf(index.sections, k, id)) lost.set(r, (lost.get(r) ?? 0) + 1);
    };
    for (const id of deleted[k]) gone(id);
    for (const u of c.upserts) if (holds(s, u.id)) gone(u.id);

    // Claims: each upsert's against the other upserts and the base records that remain.
    const claimedBy = new Map<string, string>();
    for (const u of c.upserts) {
      for (const claim of u.facts.claims) {
        const other = claimedBy.get(claim);
        if (other !== undefined && other !== u.id) return full(`claim of ${u.id}`);
        claimedBy.set(claim, u.id);
        const owner = claimOwner(s, claim);
        if (owner !== undefined && owner !== u.id && !deleted[k].has(owner) && !upserted[k].has(owner)) return full(`claim of ${u.id}`);
      }
    }

    // Parents: a cycle of the result goes through a changed parent, so walks start at upserts.
    if (CHANGES_LAYOUT[k].compiled.acyclic) {
      const exists = (id: string) => upserted[k].has(id) || (holds(s, id) && !deleted[k].has(id));
      const parentOf = (id: string) => (upserted[k].has(id) ? upserted[k].get(id)!.facts.parent : baseParentOf(s, id));
      for (const u of c.upserts) {
        const seen = new Set<string>([u.id]);
        for (let node = u.facts.parent; node !== undefined && exists(node); node = parentOf(node)) {
          if (seen.has(node) || seen.size > MAX_PARENT_WALK) return full(`parent of ${u.id}`);
          seen.add(node);
        }
      }
    }
  }

  // References: every upsert's must be in the result; a deleted record nothing remaining names.
  for (const c of changes) for (const u of c.upserts) for (const r of u.facts.refs) {
    const at = r.indexOf('\u0000');
    if (!inResult(Number(r.slice(0, at)), r.slice(at + 1))) return full(`reference of ${u.id}`);
  }
  for (let k = 0; k < changes.length; k++) {
    const s = index.sections[k];
    for (const id of deleted[k]) {
      if (incomingOf(s, id) - (lost.get(refKey(s.system, id)) ?? 0) > 0) return full(`${id} still referenced`);
    }
  }
  return { accept: true, counts, sums };
}
