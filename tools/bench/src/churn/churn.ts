import { clone, create, toBinary } from '@bufbuild/protobuf';
import type * as grpc from '@grpc/grpc-js';
import { InventorySlotSchema, ItemRecordSchema, OwnerSystem, rawUnaryCall, SaveRequestSchema, StateSource, type ItemRecord, type WorldSnapshot } from '@persistd/contract';
import type { CanonicalSection } from '@persistd/validation';
import { worldKeys } from '@persistd/store-redis';
import { prng } from '@persistd/testkit';
import type Redis from 'ioredis';
import { SAVE_PATH } from '../run/cells';
import { cutCanonical, readSaveRequest, validateWireRequest, wireCanonicalSections } from '@persistd/validation';
import { cutByIds, newBytes, type ChunkRef } from './stable-boundaries';
import { worldKeyBytes } from '../changes/store-bytes';

/** Chunk bytes a save wrote, measured on the store. */
export interface Written {
  chunks: number;
  bytes: number;
  /** Of the full save's bytes. */
  fraction: number;
}

/** Save cost that follows change, on one L world. */
export interface ChurnResult {
  worldId: string;
  records: number;
  full: { chunks: number; bytes: number };
  /** 1% of the records changed (chosen at random, one field each). */
  onePercent: Written & { changedRecords: number };
  /** One record (a copy of the first item under the next id) inserted at the start of the items. */
  earlyInsert: Written;
  /** Largest value the world has in Redis (chunks and metas), bytes. */
  largestValueBytes: number;
  /**
   * The same snapshots cut in-process, by today's rule and by id-decided boundaries: the 1%
   * change, and one record inserted at each of INSERT_POSITIONS places of the items (mean, worst).
   */
  schemes: { scheme: string; chunks: number; onePercentFraction: number; insertMeanFraction: number; insertWorstFraction: number }[];
}

/** Every chunk key of a world with its size: the world's keys (changes/store-bytes.ts), chunks only. */
async function storedChunks(redis: Redis, prefix: string, worldId: string): Promise<Map<string, number>> {
  const chunkKey = worldKeys(prefix, worldId).chunk('x').replace(/x$/, '');
  return new Map([...(await worldKeyBytes(redis, prefix, worldId))].filter(([k]) => k.startsWith(chunkKey)));
}

async function largestValue(redis: Redis, prefix: string, worldId: string): Promise<number> {
  const keys = worldKeys(prefix, worldId);
  const pattern = keys.epoch.replace(/epoch$/, '*');
  let cursor = '0';
  let max = 0;
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (batch.length === 0) continue;
    const p = redis.pipeline();
    for (const k of batch) p.strlen(k);
    for (const [, n] of (await p.exec()) ?? []) max = Math.max(max, Number(n));
  } while (cursor !== '0');
  return max;
}

function encode(worldId: string, epoch: bigint, snapshot: WorldSnapshot): Uint8Array {
  snapshot.world!.worldId = worldId;
  for (const s of [snapshot.players, snapshot.world, snapshot.npcs, snapshot.items, snapshot.quests]) s!.sourceEpoch = epoch;
  return toBinary(SaveRequestSchema, create(SaveRequestSchema, { worldId, expectedEpoch: epoch, requestId: `req-${worldId}-${epoch}`, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot }));
}

/** Changes one field of 1% of the records, chosen with a seeded PRNG; returns how many. */
function changeOnePercent(w: WorldSnapshot, seed: number): number {
  const rnd = prng(seed);
  const lists: { change: (i: number) => void; n: number }[] = [
    { n: w.players!.players.length, change: (i) => (w.players!.players[i].save!.experience += 1n) },
    { n: w.world!.zones.length, change: (i) => (w.world!.zones[i].templateId += 'x') },
    { n: w.npcs!.npcs.length, change: (i) => (w.npcs!.npcs[i].health += 1) },
    { n: w.items!.items.length, change: (i) => (w.items!.items[i].durability += 1) },
    { n: w.quests!.quests.length, change: (i) => (w.quests!.quests[i].stage += 1) },
  ];
  const total = lists.reduce((s, l) => s + l.n, 0);
  const picked = new Set<number>();
  while (picked.size < Math.round(total / 100)) picked.add(Math.floor(rnd() * total));
  for (let g of picked) {
    for (const l of lists) {
      if (g < l.n) {
        l.change(g);
        break;
      }
      g -= l.n;
    }
  }
  return picked.size;
}

/** The canonical sections of a request's bytes (the wire path). */
function sectionsOf(bytes: Uint8Array): CanonicalSection[] {
  const read = readSaveRequest(bytes);
  if (validateWireRequest(read).length > 0) throw new Error('bench: churn snapshot refused');
  return wireCanonicalSections(read);
}

/** Average records per chunk of each id-boundary scheme tried. */
const AVG_RECORDS = [4096, 256, 16];
const SCHEMES = ['greedy to 1 MiB (today)', ...AVG_RECORDS.map((a) => `id boundaries, ~${a} records a chunk`)];

/** Every chunk of the sections under scheme `k` (0 = today's rule). */
function cutWith(sections: CanonicalSection[], k: number): ChunkRef[] {
  if (k === 0) return sections.flatMap((s) => cutCanonical(s).chunks.map((c) => ({ id: c.id, bytes: c.bytes.length })));
  return sections.flatMap((s) => cutByIds(s, AVG_RECORDS[k - 1]));
}

/** Places, as fractions of the items section, where one record is inserted for the in-process comparison. */
const INSERT_POSITIONS = [0.001, 0.05, 0.15, 0.3, 0.45, 0.6, 0.75, 0.9];

/** A copy of an item under a new id that sorts right after it, in a slot of its own: a record of typical size. */
function itemAfter(item: ItemRecord): ItemRecord {
  const copy = clone(ItemRecordSchema, item);
  copy.itemId = `${item.itemId}a`;
  if (copy.location.case === 'inventory') copy.location = { case: 'inventory', value: create(InventorySlotSchema, { playerId: copy.location.value.playerId, slot: 999_999 }) };
  return copy;
}

/** The sections with one item record inserted at its canonical place (after the item at `at`). */
function withInserted(sections: CanonicalSection[], items: readonly ItemRecord[], at: number): CanonicalSection[] {
  const record = itemAfter(items[at]);
  return sections.map((s) => {
    if (s.system !== OwnerSystem.ITEM) return s;
    const k = s.ids.indexOf(items[at].itemId) + 1;
    return { ...s, ids: [...s.ids.slice(0, k), record.itemId, ...s.ids.slice(k)], records: [...s.records.slice(0, k), toBinary(ItemRecordSchema, record), ...s.records.slice(k)] };
  });
}

/**
 * Saves an L world through persistd, then the same world with 1% of its records changed, then
 * with one record inserted early, and counts on the store the chunk keys and bytes each save
 * added. `onFirstSave` wraps the first save (to watch Redis latency during it).
 */
export async function measureChurn(args: {
  client: grpc.Client;
  redis: Redis;
  prefix: string;
  worldId: string;
  snapshot: WorldSnapshot;
  records: number;
  onFirstSave?: <T>(save: () => Promise<T>) => Promise<T>;
}): Promise<ChurnResult> {
  const { client, redis, prefix, worldId, snapshot } = args;
  const save = (bytes: Uint8Array) => rawUnaryCall(client, SAVE_PATH, bytes, { deadline: Date.now() + 600_000 });

  const b1 = encode(worldId, 0n, snapshot);
  await (args.onFirstSave ? args.onFirstSave(() => save(b1)) : save(b1));
  const s1 = await storedChunks(redis, prefix, worldId);
  const c1 = SCHEMES.map((_, k) => cutWith(sectionsOf(b1), k));

  const changed = changeOnePercent(snapshot, 42);
  const b2 = encode(worldId, 1n, snapshot);
  await save(b2);
  const s2 = await storedChunks(redis, prefix, worldId);
  const sections2 = sectionsOf(b2);
  const c2 = SCHEMES.map((_, k) => cutWith(sections2, k));

  const items = snapshot.items!.items;
  snapshot.items!.items.splice(1, 0, itemAfter(items[0]));
  const b3 = encode(worldId, 2n, snapshot);
  await save(b3);
  const s3 = await storedChunks(redis, prefix, worldId);
  snapshot.items!.items.splice(1, 1);

  const fullBytes = [...s1.values()].reduce((a, b) => a + b, 0);
  const added = (before: Map<string, number>, after: Map<string, number>): Written => {
    let chunks = 0;
    let bytes = 0;
    for (const [k, n] of after) {
      if (before.has(k)) continue;
      chunks++;
      bytes += n;
    }
    return { chunks, bytes, fraction: bytes / fullBytes };
  };
  const total = (cs: ChunkRef[]) => cs.reduce((a, c) => a + c.bytes, 0);
  const sortedItems = [...items].sort((a, b) => (a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0));
  return {
    worldId,
    records: args.records,
    full: { chunks: s1.size, bytes: fullBytes },
    onePercent: { ...added(s1, s2), changedRecords: changed },
    earlyInsert: added(s2, s3),
    largestValueBytes: await largestValue(redis, prefix, worldId),
    schemes: SCHEMES.map((scheme, k) => {
      const inserts = INSERT_POSITIONS.map((f) => {
        const after = cutWith(withInserted(sections2, sortedItems, Math.floor(f * (sortedItems.length - 1))), k);
        return newBytes(c2[k], after).bytes / total(after);
      });
      return {
        scheme,
        chunks: c1[k].length,
        onePercentFraction: newBytes(c1[k], c2[k]).bytes / total(c2[k]),
        insertMeanFraction: inserts.reduce((a, b) => a + b, 0) / inserts.length,
        insertWorstFraction: Math.max(...inserts),
      };
    }),
  };
}
