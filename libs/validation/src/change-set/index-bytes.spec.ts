import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { generateWorld } from '@persistd/testkit';
import { prepareEpoch } from '../stored-form/prepare-epoch';
import { indexBytes, type BaseIndex } from './base-index';
import { indexOfStoredChunks } from './index-of-epoch';

/**
 * indexBytes is what PERSISTD_INDEX_CACHE_BYTES bounds, so it must follow the heap an index
 * really takes: measured here after a full GC, over several copies of one generated world's
 * index so the noise of the rest of the heap stays small. No timing involved.
 */

setFlagsFromString('--expose-gc');
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
    const before = heap();
    for (let n = 0; n < 8; n++) held.push(indexOfStoredChunks(`w${n}`, 1n, 'd', sections));
    const taken = heap() - before;
    const estimated = held.reduce((sum, index) => sum + indexBytes(index), 0);
    expect(estimated / taken).toBeGreaterThan(0.9);
    expect(estimated / taken).toBeLessThan(1.1);
    // The compact form's point: well under the 180 bytes a record that 100 M worlds in 1 GiB allow.
    expect(taken / (8 * 10_000)).toBeLessThan(150);
  });
});
