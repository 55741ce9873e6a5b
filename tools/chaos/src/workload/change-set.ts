import { changesRequest, diffSnapshot, type WorldMemory } from '@persistd/client';
import { StateSource, type SaveChangesRequest, type WorldSnapshot } from '@persistd/contract';

/**
 * The SaveChanges a writer sends instead of a Save when it knows the content of the epoch it
 * saves from (its own last acknowledged snapshot): the SDK's own diff and expectations, so the
 * result is exactly `snapshot`. Deterministic, so every retry of an op carries the same request.
 */
export function changesRequestOf(world: string, requestId: string, expectedEpoch: bigint, base: WorldSnapshot, snapshot: WorldSnapshot): SaveChangesRequest {
  const known = diffSnapshot(base, undefined);
  if (!known) throw new Error(`chaos: the base of ${world} has a duplicate id`);
  const memory: WorldMemory = { worldId: world, epoch: expectedEpoch, schemaVersion: base.schemaVersion, contentVersion: base.world!.contentVersion, sections: known.next };
  const changes = diffSnapshot(snapshot, memory)?.changes;
  if (!changes) throw new Error(`chaos: the snapshot of ${world} has a duplicate id`);
  return changesRequest(
    { worldId: world, expectedEpoch, requestId, source: StateSource.AUTHORITATIVE_RUNTIME, schemaVersion: snapshot.schemaVersion, contentVersion: snapshot.world!.contentVersion },
    changes.sections,
  );
}
