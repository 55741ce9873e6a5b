import { clone, create, isMessage, type DescMessage, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import {
  ItemRecordSchema,
  NpcRecordSchema,
  PlayerRecordSchema,
  QuestRecordSchema,
  WorldSnapshotSchema,
  ZoneRecordSchema,
  type WorldSnapshot,
} from '@persistd/contract';

/** The snapshot schema this SDK writes (DESIGN §3: the current schema version is 1). */
export const SNAPSHOT_SCHEMA_VERSION = 1;

/** A record as a message of its type or as plain fields (`{ playerId: 'p1', ... }`). */
export type RecordInit<D extends DescMessage> = MessageShape<D> | MessageInitShape<D>;

/**
 * Returns one owner system's persistable records, now. Must be synchronous: a provider that
 * returned a promise would let the game loop run between sections, so captureSnapshot refuses it.
 */
export type RecordProvider<D extends DescMessage> = () => Iterable<RecordInit<D>>;

/**
 * The five owner systems of a running world, one provider each (keys are WorldSnapshot's
 * section names), plus what the world section and every section header carry.
 */
export interface SnapshotOwners {
  worldId: string;
  /** The game content the world was built from (WorldSection.content_version). */
  contentVersion: string;
  /** The epoch the runtime state descends from: the save's `expected_epoch` (0 = never saved). */
  epoch: bigint;
  /** Defaults to SNAPSHOT_SCHEMA_VERSION. */
  schemaVersion?: number;
  players: RecordProvider<typeof PlayerRecordSchema>;
  /** The world system's records: its zones. */
  world: RecordProvider<typeof ZoneRecordSchema>;
  npcs: RecordProvider<typeof NpcRecordSchema>;
  items: RecordProvider<typeof ItemRecordSchema>;
  quests: RecordProvider<typeof QuestRecordSchema>;
}

/**
 * Takes the whole world in ONE synchronous pass (DESIGN §1 "atomic save"): the five providers
 * are called back to back and every record is deep-copied (protobuf-es `clone`) before this
 * returns. JavaScript runs it to completion, so no tick, timer, promise or I/O callback can
 * change the world between two sections; and since nothing in the result shares an object with
 * the runtime, a mutation made after it returns — while the save is queued, retried or on the
 * wire — never leaks into the snapshot.
 *
 * Call it from the game loop between ticks, then hand the result to `client.save` with
 * `expectedEpoch: owners.epoch`. Every section is stamped with `source_epoch = epoch` and the
 * schema version; records keep the providers' order (the daemon canonicalizes).
 */
export function captureSnapshot(owners: SnapshotOwners): WorldSnapshot {
  const schemaVersion = owners.schemaVersion ?? SNAPSHOT_SCHEMA_VERSION;
  const header = { sourceEpoch: owners.epoch, schemaVersion };
  const players = take(owners, 'players', PlayerRecordSchema);
  const zones = take(owners, 'world', ZoneRecordSchema);
  const npcs = take(owners, 'npcs', NpcRecordSchema);
  const items = take(owners, 'items', ItemRecordSchema);
  const quests = take(owners, 'quests', QuestRecordSchema);
  return create(WorldSnapshotSchema, {
    schemaVersion,
    players: { ...header, players },
    world: { ...header, worldId: owners.worldId, contentVersion: owners.contentVersion, zones },
    npcs: { ...header, npcs },
    items: { ...header, items },
    quests: { ...header, quests },
  });
}

type ProviderKey = 'players' | 'world' | 'npcs' | 'items' | 'quests';

/** Calls one provider and deep-copies what it gives; messages and plain fields alike. */
function take<D extends DescMessage>(owners: SnapshotOwners, key: ProviderKey, schema: D): MessageShape<D>[] {
  const provider = owners[key] as unknown as RecordProvider<D>;
  if (typeof provider !== 'function') throw new TypeError(`captureSnapshot: owners.${key} must be a function returning the ${key} records`);
  const records = provider();
  if (isThenable(records)) {
    throw new TypeError(`captureSnapshot: owners.${key} returned a promise; providers must be synchronous so nothing can run between two sections`);
  }
  if (records == null || typeof (records as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`captureSnapshot: owners.${key} must return an iterable of records`);
  }
  const out: MessageShape<D>[] = [];
  // create() hands a message of the right type back as it is, and may share nested maps and
  // lists of plain fields: clone() afterwards is what guarantees no object is shared.
  for (const r of records) out.push(clone(schema, isMessage(r, schema) ? r : create(schema, r as MessageInitShape<D>)));
  return out;
}

function isThenable(v: unknown): boolean {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}
