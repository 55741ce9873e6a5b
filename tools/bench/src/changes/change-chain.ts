import { clone, toBinary } from '@bufbuild/protobuf';
import { applyToMemory, changesRequest, diffSnapshot, trackedChangeSet, type SectionChangeSet, type TrackedChanges, type WorldMemory } from '@persistd/client';
import { ItemRecordSchema, NpcRecordSchema, PlayerRecordSchema, QuestRecordSchema, SaveChangesRequestSchema, StateSource, ZoneRecordSchema, type ItemRecord, type NpcRecord, type PlayerRecord, type QuestRecord, type WorldSnapshot, type ZoneRecord, WorldSnapshotSchema } from '@persistd/contract';
import { prng } from '@persistd/testkit';

/** The change workloads of the bench (its rows for saves of what changed). */
export type ChangeWorkload = 'random-1pct' | 'run-1pct' | 'insert-start' | 'delete-one';

export const CHANGE_WORKLOADS: readonly ChangeWorkload[] = ['random-1pct', 'run-1pct', 'insert-start', 'delete-one'];

/** One step of a chain: the change set's sections, with their expectations, ready to encode for any world. */
export type ChangeStep = Record<'players' | 'world' | 'npcs' | 'items' | 'quests', SectionChangeSet>;

/**
 * One content progression of a world: its current records (mutated step by step) and the SDK's
 * memory of them. Every world that follows the chain step for step holds the same records at the
 * same step, so one step's change set serves all of them (only ids and epochs differ).
 */
export class ChangeChain {
  readonly #snapshot: WorldSnapshot;
  readonly #memory: WorldMemory;
  #steps = 0;

  constructor(snapshot: WorldSnapshot) {
    this.#snapshot = clone(WorldSnapshotSchema, snapshot);
    const diff = diffSnapshot(this.#snapshot, undefined);
    if (!diff) throw new Error('bench: the generated world has a duplicate id');
    this.#memory = { worldId: '', epoch: 0n, schemaVersion: snapshot.schemaVersion, contentVersion: snapshot.world!.contentVersion, sections: diff.next };
  }

  /** The next change set of a workload, applied to the chain's records and memory. */
  next(workload: ChangeWorkload): ChangeStep {
    const n = this.#steps++;
    const tracked = this.#change(workload, n);
    const { sections } = trackedChangeSet(this.#memory, tracked);
    applyToMemory(this.#memory, sections);
    return sections;
  }

  #change(workload: ChangeWorkload, n: number): TrackedChanges {
    const w = this.#snapshot;
    const items = w.items!.items;
    const total = w.players!.players.length + w.world!.zones.length + w.npcs!.npcs.length + items.length + w.quests!.quests.length;
    const onePct = Math.max(1, Math.round(total / 100));
    switch (workload) {
      case 'random-1pct':
        return randomChanges(w, onePct, 1000 + n);
      case 'run-1pct': {
        // One contiguous run of item ids (the generator allocates them per owner): as when one
        // player's inventory or one zone's ground changed.
        const sorted = [...items].sort((a, b) => (a.itemId < b.itemId ? -1 : 1));
        const start = Math.floor(prng(2000 + n)() * Math.max(1, sorted.length - onePct));
        const run = sorted.slice(start, start + onePct);
        for (const i of run) i.durability = (i.durability + 1) % 100;
        return { items: { upserts: run.map((i) => clone(ItemRecordSchema, i)) } };
      }
      case 'insert-start': {
        // '-' sorts before every digit, and each step's id before the last one's: always first.
        const item = clone(ItemRecordSchema, items.find((i) => i.location.case === 'ground') ?? items[0]);
        item.itemId = `i-${String(999_999 - n).padStart(6, '0')}`;
        if (item.location.case === 'inventory') item.location.value.slot = 1_000_000 + n;
        items.unshift(item);
        return { items: { upserts: [clone(ItemRecordSchema, item)] } };
      }
      case 'delete-one': {
        // Nothing references an item, so any one may go; the middle of the id order.
        const k = Math.floor(items.length / 2);
        const [gone] = items.splice(k, 1);
        return { items: { deletes: [gone.itemId] } };
      }
    }
  }
}

/** 1% of all records, chosen at random across the systems, one field each. */
function randomChanges(w: WorldSnapshot, count: number, seed: number): TrackedChanges {
  const rnd = prng(seed);
  const lists = [
    { key: 'players' as const, xs: w.players!.players, schema: PlayerRecordSchema, change: (r: PlayerRecord) => r.save && (r.save.experience += 1n) },
    { key: 'world' as const, xs: w.world!.zones, schema: ZoneRecordSchema, change: (r: ZoneRecord) => (r.flags.touched = String(seed)) },
    { key: 'npcs' as const, xs: w.npcs!.npcs, schema: NpcRecordSchema, change: (r: NpcRecord) => (r.health = (r.health + 1) % 1000) },
    { key: 'items' as const, xs: w.items!.items, schema: ItemRecordSchema, change: (r: ItemRecord) => (r.durability = (r.durability + 1) % 100) },
    { key: 'quests' as const, xs: w.quests!.quests, schema: QuestRecordSchema, change: (r: QuestRecord) => (r.stage += 1) },
  ];
  const total = lists.reduce((s, l) => s + l.xs.length, 0);
  const picked = new Set<number>();
  while (picked.size < Math.min(count, total)) picked.add(Math.floor(rnd() * total));
  const out: Record<string, { upserts: unknown[] }> = {};
  for (let g of picked) {
    for (const l of lists) {
      if (g < l.xs.length) {
        const r = l.xs[g] as never;
        l.change(r);
        (out[l.key] ??= { upserts: [] }).upserts.push(clone(l.schema as never, r));
        break;
      }
      g -= l.xs.length;
    }
  }
  return out as TrackedChanges;
}

/** A step's SaveChangesRequest for one world at its epoch. */
export function encodeStep(step: ChangeStep, worldId: string, epoch: bigint, contentVersion: string, tag: string): Buffer {
  const req = changesRequest({ worldId, expectedEpoch: epoch, requestId: `${tag}-${worldId}-${epoch}`, source: StateSource.AUTHORITATIVE_RUNTIME, schemaVersion: 1, contentVersion }, step);
  return Buffer.from(toBinary(SaveChangesRequestSchema, req));
}
