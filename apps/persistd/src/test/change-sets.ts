/** Test-only: change sets between snapshots, and the result a change set gives (the test's own oracle). */
import { clone, create, toBinary } from '@bufbuild/protobuf';
import { SaveChangesRequestSchema, StateSource, WorldSnapshotSchema, type SaveChangesRequest, type WorldSnapshot } from '@persistd/contract';
import { canonicalBytes, COMPILED_MODULES } from '@persistd/validation';
import { createHash } from 'node:crypto';

type Bag = Record<string, unknown>;
const SECTIONS = COMPILED_MODULES.map((m) => ({ section: m.entry.section as 'players' | 'world' | 'npcs' | 'items' | 'quests', records: m.entry.recordField, desc: m.recordDesc, readId: m.readId }));

const recordsOf = (s: WorldSnapshot, k: number) => ((s as unknown as Record<string, Bag>)[SECTIONS[k].section][SECTIONS[k].records] as Bag[]);
const idOf = (k: number, r: Bag) => String(SECTIONS[k].readId(r as never) ?? '');
const bytesOf = (k: number, r: Bag) => Buffer.from(canonicalBytes(SECTIONS[k].desc, r as never));

/** The per-section changes that turn `base` into `target`: changed or new records upserted, missing ones deleted (ids sorted). */
export function diffSnapshots(base: WorldSnapshot, target: WorldSnapshot): { upserts: Bag[]; deletes: string[] }[] {
  return SECTIONS.map((_, k) => {
    const before = new Map(recordsOf(base, k).map((r) => [idOf(k, r), bytesOf(k, r)]));
    const after = recordsOf(target, k);
    const ids = new Set(after.map((r) => idOf(k, r)));
    return {
      upserts: after.filter((r) => !before.get(idOf(k, r))?.equals(bytesOf(k, r))).map((r) => clone(SECTIONS[k].desc, r as never) as unknown as Bag),
      deletes: [...before.keys()].filter((id) => !ids.has(id)).sort(),
    };
  });
}

/** A SaveChangesRequest stamped with `expectedEpoch`, world values taken from `world` (the target's). */
export function changesRequest(
  worldId: string,
  expectedEpoch: bigint,
  requestId: string,
  sections: { upserts: Bag[]; deletes: string[] }[],
  world: { contentVersion: string } = { contentVersion: 'content-1' },
): SaveChangesRequest {
  const stamp = { sourceEpoch: expectedEpoch, schemaVersion: 1 };
  const part = (k: number) => ({ ...stamp, upserts: sections[k].upserts, deletes: sections[k].deletes });
  return create(SaveChangesRequestSchema, {
    worldId,
    expectedEpoch,
    requestId,
    source: StateSource.AUTHORITATIVE_RUNTIME,
    changes: {
      schemaVersion: 1,
      players: part(0) as never,
      world: { ...part(1), worldId, contentVersion: world.contentVersion } as never,
      npcs: part(2) as never,
      items: part(3) as never,
      quests: part(4) as never,
    },
  });
}

/**
 * The snapshot DESIGN §3 says a change set results in: the base's records minus deletes, upserts
 * replacing or adding by id (the first upsert of an id), stamped as the change set is.
 */
export function resultOf(base: WorldSnapshot, req: SaveChangesRequest): WorldSnapshot {
  const out = clone(WorldSnapshotSchema, base) as unknown as Record<string, Bag>;
  const changes = req.changes! as unknown as Record<string, Bag>;
  out.schemaVersion = req.changes!.schemaVersion as never;
  SECTIONS.forEach(({ section, records }, k) => {
    const c = changes[section] as { sourceEpoch: bigint; schemaVersion: number; upserts: Bag[]; deletes: string[]; worldId?: string; contentVersion?: string } | undefined;
    if (!c) {
      delete out[section];
      return;
    }
    const gone = new Set(c.deletes);
    const byId = new Map<string, Bag>();
    for (const u of c.upserts) if (!byId.has(idOf(k, u))) byId.set(idOf(k, u), u);
    const kept = recordsOf(out as unknown as WorldSnapshot, k).filter((r) => !gone.has(idOf(k, r)) && !byId.has(idOf(k, r)));
    out[section] = { ...out[section], sourceEpoch: c.sourceEpoch, schemaVersion: c.schemaVersion, [records]: [...kept, ...byId.values()] } as Bag;
    if (section === 'world') Object.assign(out[section], { worldId: c.worldId, contentVersion: c.contentVersion });
  });
  return out as unknown as WorldSnapshot;
}

/** The expectations a game server sends for a section holding `records` (DESIGN §3): count and set digest. */
export function expectationsOf(snapshot: WorldSnapshot, k: number): { expectedCount: number; expectedDigest: string } {
  let sum = 0n;
  for (const r of recordsOf(snapshot, k)) sum = (sum + BigInt(`0x${createHash('sha256').update(bytesOf(k, r)).digest('hex')}`)) % (1n << 256n);
  return { expectedCount: recordsOf(snapshot, k).length, expectedDigest: sum.toString(16).padStart(64, '0') };
}

/** The records field name and section name of system k (restore order). */
export const sectionNames = SECTIONS.map((s) => ({ section: s.section, records: s.records }));

/** Encoded size of a request: for tests that compare what went over the wire. */
export const requestBytes = (req: SaveChangesRequest) => toBinary(SaveChangesRequestSchema, req).byteLength;
