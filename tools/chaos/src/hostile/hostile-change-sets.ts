import { clone, toBinary } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { changesRequest, diffSnapshot, trackedChangeSet, type TrackedChanges, type WorldMemory } from '@persistd/client';
import { ItemRecordSchema, PersistenceService, SaveChangesRequestSchema, StateSource, fromServiceError, rawUnaryCall, type WorldSnapshot } from '@persistd/contract';

/**
 * Change sets that must be refused, each with the exact answer DESIGN §3/§4 gives it, built
 * against a base epoch the daemon holds: deletes of absent ids, an id both upserted and deleted,
 * upserts colliding with base records, a delete that strands references, wrong expectations,
 * and the change-set-only duplicates. They are sent one after another on ONE connection, which
 * must keep serving: after each refusal a status read on the same channel still answers.
 */

export interface HostileChangeSet {
  name: string;
  bytes: Uint8Array;
  /** The status and ErrorInfo reason the daemon must answer. */
  status: grpc.status;
  reason: string;
  /** A violation path the refusal must list (DESIGN §3's change-set paths, or the result's). */
  path: string;
}

const SAVE_CHANGES_PATH = `/${PersistenceService.typeName}/${PersistenceService.method.saveChanges.name}`;

/** The hostile change sets against `base`, committed as `epoch` of `worldId`. */
export function hostileChangeSets(worldId: string, epoch: bigint, base: WorldSnapshot): HostileChangeSet[] {
  const next = diffSnapshot(base, undefined);
  if (!next) throw new Error('hostile change sets: the base has a duplicate id');
  const memory: WorldMemory = { worldId, epoch, schemaVersion: base.schemaVersion, contentVersion: base.world!.contentVersion, sections: next.next };
  const items = base.items!.items;
  const inInventory = items.find((i) => i.location.case === 'inventory')!;
  const owner = inInventory.location.case === 'inventory' ? inInventory.location.value.playerId : '';
  const changed = clone(ItemRecordSchema, items[0]);
  changed.durability = (changed.durability + 1) % 100;
  const slotThief = clone(ItemRecordSchema, inInventory);
  slotThief.itemId = 'i-slot-thief';

  const build = (tracked: TrackedChanges, tamper: (sections: ReturnType<typeof trackedChangeSet>['sections']) => void = () => undefined, expectedEpoch = epoch) => {
    const { sections } = trackedChangeSet(memory, tracked);
    tamper(sections);
    const req = changesRequest({ worldId, expectedEpoch, requestId: `hostile-${Math.random().toString(36).slice(2)}`, source: StateSource.AUTHORITATIVE_RUNTIME, schemaVersion: base.schemaVersion, contentVersion: base.world!.contentVersion }, sections);
    return toBinary(SaveChangesRequestSchema, req);
  };
  const refused = (name: string, reason: string, path: string, bytes: Uint8Array, status = grpc.status.INVALID_ARGUMENT): HostileChangeSet => ({ name, bytes, status, reason, path });

  return [
    refused('delete of an absent id', 'DANGLING_REFERENCE', 'items.deletes[i-absent]', build({ items: { deletes: ['i-absent'] } })),
    refused('an id both upserted and deleted', 'OWNERSHIP_OVERLAP', `items.deletes[${changed.itemId}]`, build({ items: { upserts: [changed], deletes: [changed.itemId] } })),
    refused('an id upserted twice, identical', 'DUPLICATE_ID', `items.upserts[${changed.itemId}]`, build({ items: { upserts: [changed, changed] } })),
    refused('an id deleted twice', 'DUPLICATE_ID', `items.deletes[${items[1].itemId}]`, build({ items: { deletes: [items[1].itemId, items[1].itemId] } })),
    // As a Save of the result says it: at the second claimant of the slot in id order.
    refused("an upsert taking a base item's inventory slot", 'OWNERSHIP_OVERLAP', `items[${[inInventory.itemId, slotThief.itemId].sort()[1]}].location.inventory`, build({ items: { upserts: [slotThief] } })),
    refused('a delete that strands references', 'DANGLING_REFERENCE', `items[${inInventory.itemId}].location.inventory.player_id`, build({ players: { deletes: [owner] } })),
    refused('a wrong expected count', 'PARTIAL_SAVE', 'items.expected_count', build({ items: { upserts: [changed] } }, (s) => (s.items.expectedCount += 1))),
    refused('a wrong expected digest', 'PARTIAL_SAVE', 'items.expected_digest', build({ items: { upserts: [changed] } }, (s) => (s.items.expectedDigest = '0'.repeat(64)))),
    refused('expected epoch 0', 'INVALID_FIELD', 'expected_epoch', build({}, undefined, 0n)),
  ];
}

/** How the daemon answered one hostile change set, and whether the same connection still served a read afterwards. */
export interface HostileChangeAnswer {
  name: string;
  /** What is wrong with the answer, or undefined when it is exactly the one expected. */
  wrong?: string;
  stillServing: boolean;
}

/** Sends each hostile change set on `client`'s one channel, then a status read on the same channel. */
export async function sendHostileChangeSets(client: grpc.Client, cases: readonly HostileChangeSet[], statusProbe: () => Promise<unknown>): Promise<HostileChangeAnswer[]> {
  const out: HostileChangeAnswer[] = [];
  for (const c of cases) {
    let wrong: string | undefined;
    try {
      await rawUnaryCall(client, SAVE_CHANGES_PATH, c.bytes, { deadline: Date.now() + 10_000 });
      wrong = 'committed';
    } catch (e) {
      const err = e as grpc.ServiceError;
      const rich = fromServiceError(err);
      const paths = rich?.violations.map((v) => v.field) ?? [];
      if (err.code !== c.status) wrong = `status ${grpc.status[err.code]}, expected ${grpc.status[c.status]}`;
      else if (rich?.reason !== c.reason) wrong = `reason ${rich?.reason}, expected ${c.reason}`;
      else if (!paths.includes(c.path)) wrong = `paths ${JSON.stringify(paths)} do not list ${c.path}`;
    }
    const stillServing = await statusProbe().then(
      () => true,
      () => false,
    );
    out.push({ name: c.name, wrong, stillServing });
  }
  return out;
}
