import type { WorldSnapshot } from '@persistd/contract';
import { generateWorld, type WorldShape } from '@persistd/testkit';

/** A generated world of `shape` for `worldId` stamped for `epoch`, optionally changed by `change` (which keeps the stamps). */
export function restampedWorld(worldId: string, shape: Omit<WorldShape, 'worldId' | 'epoch'>, epoch: bigint, change?: (w: WorldSnapshot) => WorldSnapshot): WorldSnapshot {
  const w = generateWorld({ ...shape, worldId, epoch });
  return change ? change(w) : w;
}
