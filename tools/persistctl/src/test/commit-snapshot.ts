import type { StoredForm, WorldSnapshot } from '@persistd/contract';
import type { RedisStore } from '@persistd/store-redis';
import { prepareEpoch, sealEpochMeta } from '@persistd/validation';

/**
 * @internal test support. Commits a snapshot the way the daemon does (prepareEpoch, then the
 * store's WATCH/MULTI/EXEC commit), so the CLI's readers meet what a daemon writes, without a
 * daemon. Answers the content digest. `bookkeeping: false` seals the meta without its retention
 * ledger, as SaveChanges did before f4f2ada.
 */
export async function commitSnapshot(store: RedisStore, worldId: string, snapshot: WorldSnapshot, expectedEpoch: bigint, storedForm: StoredForm = 2, bookkeeping = true): Promise<string> {
  const requestId = `req-${worldId}-${expectedEpoch}`;
  const prepared = prepareEpoch(snapshot, { worldId, requestId, principal: 'test', committedAtMs: 1n, storedForm });
  const result = await store.commit({
    worldId,
    expectedEpoch,
    requestId,
    contentDigest: prepared.contentDigest,
    chunks: prepared.chunks,
    sealMeta: (epoch, ledger) => sealEpochMeta(prepared.unsealed, epoch, bookkeeping ? ledger : undefined),
  });
  if (result.kind !== 'committed') throw new Error(`commit of ${worldId} at ${expectedEpoch} answered ${result.kind}`);
  return prepared.contentDigest;
}
