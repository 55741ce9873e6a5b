import { generateWorld } from '@persistd/testkit';
import { indexBytes, indexOfStoredChunks, prepareEpoch, type BaseIndex } from '@persistd/validation';
import { plan, type SizeName } from '../sizes';
import { argOf, printFigures } from './script';

/**
 * What SaveChanges' base index takes on the heap, per record: the index of one generated world
 * built `--worlds` times in this process (each from the stored chunks, as after a restore), held,
 * and the heap and RSS measured after a full GC, against indexBytes' estimate. Needs --expose-gc.
 *
 *   node --expose-gc --import tsx tools/bench/src/changes/index-memory-main.ts [--size M] [--worlds 10]
 */

function settled(): { heap: number; rss: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  for (let n = 0; n < 3; n++) gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed + m.arrayBuffers, rss: m.rss };
}

function main(): void {
  const size = argOf('--size', 'M') as SizeName;
  const worlds = Number(argOf('--worlds', '10'));
  const spec = plan(false).find((s) => s.name === size)!;
  const prepared = prepareEpoch(generateWorld({ worldId: 'w', ...spec.shape, ids: 'by-owner' }), { worldId: 'w', requestId: 'r', principal: 'p', committedAtMs: 0n });
  const sections = prepared.sections.map((s) => s.chunks);
  const held: BaseIndex[] = [];
  const before = settled();
  for (let n = 0; n < worlds; n++) held.push(indexOfStoredChunks(`w${n}`, 1n, 'd', sections));
  const after = settled();
  const records = spec.records * worlds;
  const estimate = held.reduce((sum, index) => sum + indexBytes(index), 0);
  const rows = {
    size,
    worlds,
    records,
    heapBytesPerRecord: (after.heap - before.heap) / records,
    rssBytesPerRecord: (after.rss - before.rss) / records,
    estimateBytesPerRecord: estimate / records,
    estimateOverHeap: estimate / (after.heap - before.heap),
    rssMiB: after.rss / 2 ** 20,
  };
  printFigures(rows, 3);
}

main();
