import { OwnerSystem } from '@persistd/contract';
import type { SnapshotRule } from './rule';
import { shown } from './rule';

/** The world section belongs to the world the request saves. */
export const worldMismatch: SnapshotRule = {
  code: 'WORLD_MISMATCH',
  check({ input, bySystem }, report) {
    const world = bySystem.get(OwnerSystem.WORLD)?.section as { worldId?: string } | undefined;
    if (!world || world.worldId === input.worldId) return;
    report('WORLD_MISMATCH', OwnerSystem.WORLD, '', 'world.world_id', `the world section is world ${shown(world.worldId)}, the request saves world ${shown(input.worldId)}`);
  },
};
