import { TOMBSTONE_PREFIX } from './keys';
import { StoreError } from './store-error';

/** What `P:{w}:epoch` says: the committed epoch (0n = none), and the epoch it was deleted at (0n = never deleted). */
export interface WorldPointer {
  committed: bigint;
  deletedAt: bigint;
}

const EPOCH = /^[1-9][0-9]{0,19}$/;

/**
 * Parses the value of `P:{w}:epoch`: absent = never saved; `deleted:N` = deleted at N (nothing
 * committed); anything but those and a positive decimal is damage at rest.
 */
export function parseWorldPointer(value: string | null, key: string): WorldPointer {
  if (value === null) return { committed: 0n, deletedAt: 0n };
  if (EPOCH.test(value)) return { committed: BigInt(value), deletedAt: 0n };
  const n = value.startsWith(TOMBSTONE_PREFIX) ? value.slice(TOMBSTONE_PREFIX.length) : '';
  if (EPOCH.test(n)) return { committed: 0n, deletedAt: BigInt(n) };
  throw new StoreError('DIGEST_MISMATCH', `${key} does not hold an epoch number`, { metadata: { key } });
}

/** The committed epoch alone: 0n for a world never saved or deleted. */
export function parseEpochPointer(value: string | null, key: string): bigint {
  return parseWorldPointer(value, key).committed;
}

/** The last epoch number a world used (committed or deleted at): its next commit is this + 1. */
export function lastEpochOf(pointer: WorldPointer): bigint {
  return pointer.committed > 0n ? pointer.committed : pointer.deletedAt;
}
