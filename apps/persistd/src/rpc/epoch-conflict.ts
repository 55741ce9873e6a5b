import { Refusal } from './refusal';

/**
 * EPOCH_CONFLICT for a Save or a SaveChanges: another save won, or the world was deleted. A game
 * server told `deleted_epoch` knows the world is gone, rather than merely saved by another server
 * (the SDK turns it into WorldDeletedError).
 */
export function epochConflict(expectedEpoch: bigint, committedEpoch: bigint, deletedEpoch?: bigint): Refusal {
  const deleted = deletedEpoch ? ` (the world was deleted at epoch ${deletedEpoch})` : '';
  return new Refusal('EPOCH_CONFLICT', `expected epoch ${expectedEpoch}, committed epoch is ${committedEpoch}${deleted}`, {
    metadata: {
      committed_epoch: String(committedEpoch),
      expected_epoch: String(expectedEpoch),
      ...(deletedEpoch ? { deleted_epoch: String(deletedEpoch) } : {}),
    },
  });
}
