import { formatPath } from '@persistd/ownership';
import { claimKeyOf } from './claim-key';
import type { Report, SnapshotRule } from './rule';
import { byCodeUnits, listed, shown } from './rule';
import { repeatedIds } from './repeated-ids';
import type { SystemRecords } from './snapshot-context';

/** One id, different contents: two records claim to be the same datum. */
function idOverlaps(s: SystemRecords, report: Report): void {
  const { entry, recordDesc } = s.compiled;
  const kind = recordDesc.name;
  for (const { id, copies } of repeatedIds(s)) {
    for (let k = 2; k <= copies.length; k++) {
      report('OWNERSHIP_OVERLAP', entry.system, id, formatPath(entry.recordField, id, []), `${kind} ${id} appears with ${copies.length} different contents (content ${k} of ${copies.length}): one id is one datum`);
    }
  }
}

/**
 * Exclusive claims (module `claims`): records with different ids claiming the same tuple. The
 * smallest id keeps it; every other claimant is reported once (records sharing an id are one
 * claimant). A record missing any part, or with an empty part, claims nothing.
 */
function claimOverlaps(s: SystemRecords, report: Report): void {
  const { entry, recordDesc, claims } = s.compiled;
  const kind = recordDesc.name;
  for (const { claim, reads, at } of claims) {
    // key -> the first claimant's label; a Set of every claimant only once the key is contested.
    const first = new Map<string, string>();
    const contested = new Map<string, { parts: string[]; ids: Set<string> }>();
    for (let i = 0; i < s.records.length; i++) {
      const key = claimKeyOf(reads, s.records[i]);
      if (key === undefined) continue;
      const label = s.labels[i];
      const firstLabel = first.get(key);
      if (firstLabel === undefined) first.set(key, label);
      else if (firstLabel !== label) {
        const seen = contested.get(key);
        if (seen) seen.ids.add(label);
        else contested.set(key, { parts: reads.map((read) => String(read(s.records[i]))), ids: new Set([firstLabel, label]) });
      }
    }
    for (const { parts, ids } of contested.values()) {
      if (ids.size < 2) continue;
      const [keeper, ...others] = [...ids].sort(byCodeUnits);
      const tuple = parts.map((p) => shown(p)).join(', ');
      for (const id of others) {
        report('OWNERSHIP_OVERLAP', entry.system, id, formatPath(entry.recordField, id, at), `${claim.name} (${tuple}) is already claimed by ${kind} ${keeper}`);
      }
    }
  }
}

/** Strongly connected components of a small graph (iterative Tarjan); only those on a cycle. */
function cycles(nodes: readonly string[], edges: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let next = 0;
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: { node: string; edge: number }[] = [{ node: root, edge: 0 }];
    index.set(root, next);
    low.set(root, next++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const top = work[work.length - 1];
      const out_ = edges.get(top.node) ?? [];
      if (top.edge < out_.length) {
        const to = out_[top.edge++];
        if (!index.has(to)) {
          index.set(to, next);
          low.set(to, next++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, edge: 0 });
        } else if (onStack.has(to)) {
          low.set(top.node, Math.min(low.get(top.node)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent)!, low.get(top.node)!));
      }
      if (low.get(top.node) !== index.get(top.node)) continue;
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== top.node);
      const selfLoop = component.length === 1 && (edges.get(member) ?? []).includes(member);
      if (component.length > 1 || selfLoop) out.push(component.sort(byCodeUnits));
    }
  }
  return out;
}

/** The module's `acyclic` path (a zone's parent): every record on a loop is its own ancestor. */
function cycleOverlaps(s: SystemRecords, report: Report): void {
  const { entry, recordDesc, module, acyclic } = s.compiled;
  if (!acyclic || !module.acyclic) return;
  const kind = recordDesc.name;
  const edges = new Map<string, string[]>();
  for (let i = 0; i < s.records.length; i++) {
    const from = s.ids[i];
    const to = acyclic(s.records[i]);
    if (from === '' || typeof to !== 'string' || !s.idIndex.has(to)) continue;
    const out = edges.get(from);
    if (!out) edges.set(from, [to]);
    else if (!out.includes(to)) out.push(to);
  }
  const field = module.acyclic.join('.');
  for (const component of cycles([...edges.keys()], edges)) {
    for (const id of component) {
      report('OWNERSHIP_OVERLAP', entry.system, id, formatPath(entry.recordField, id, module.acyclic), `${kind} ${id} is its own ancestor through ${field} (cycle of ${component.length}: ${listed(component)})`);
    }
  }
}

/**
 * One datum claimed twice (DESIGN §4): an id twice with different content, two records in one
 * exclusive claim (two items in one inventory slot), a record that is its own ancestor.
 */
export const ownershipOverlap: SnapshotRule = {
  code: 'OWNERSHIP_OVERLAP',
  check({ systems }, report) {
    for (const s of systems) {
      idOverlaps(s, report);
      claimOverlaps(s, report);
      cycleOverlaps(s, report);
    }
  },
};
