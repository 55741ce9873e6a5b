import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { generateWorld } from '@persistd/testkit';
import { prepareEpoch } from '../stored-form/prepare-epoch';
import { indexBytes, type BaseIndex } from './base-index';
import { indexOfStoredChunks } from './index-of-epoch';

/**
 * indexBytes is what PERSISTD_INDEX_CACHE_BYTES bounds, so it must follow the heap an index
 * really takes: measured after full GCs, over several copies of one generated world's index so
 * the noise of the rest of the heap stays small. No timing involved.
 *
 * The heap an index takes is what letting it go gives back (held, then dropped), not what the
 * heap grew while it was built: in a jest process the earlier test files leave garbage and
 * bytecode that the GCs of the build may free too, and once (CI, 2026-12-07) that made the
 * growth negative. Bytecode is not flushed here for the same reason.
 */

setFlagsFromString('--expose-gc');
setFlagsFromString('--no-flush-bytecode');
const gc = runInNewContext('gc') as () => void;

function heap(): number {
  for (let n = 0; n < 3; n++) gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

describe('indexBytes', () => {
  it('estimates the heap an index takes within 10%', () => {
    const world = generateWorld({ worldId: 'w', players: 100, zones: 100, npcs: 1_000, items: 8_000, quests: 800, seed: 5, ids: 'by-owner' });
    const sections = prepareEpoch(world, { worldId: 'w', requestId: 'r', principal: 'p', committedAtMs: 0n }).sections.map((s) => s.chunks);
    const held: BaseIndex[] = [];
    for (let n = 0; n < 8; n++) held.push(indexOfStoredChunks(`w${n}`, 1n, 'd', sections));
    const estimated = held.reduce((sum, index) => sum + indexBytes(index), 0);
    const holding = heap();
    held.length = 0;
    const taken = holding - heap();
    expect([world.world?.worldId, sections.length]).toEqual(['w', 5]); // both held through the measurement: only the indexes go
    expect(estimated / taken).toBeGreaterThan(0.9);
    expect(estimated / taken).toBeLessThan(1.1);
    // The compact form's point: well under the 180 bytes a record that 100 M worlds in 1 GiB allow.
    expect(taken / (8 * 10_000)).toBeLessThan(150);
  });
});
