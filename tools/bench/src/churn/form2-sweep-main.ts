import { generateWorld } from '@persistd/testkit';
import { canonicalSections } from '@persistd/validation';
import { plan } from '../sizes';
import { candidates, sweep } from './form2-sweep';

/**
 * Prints the stored-form-2 parameter sweep for one bench world size (default L) as a markdown
 * table: `npx tsx tools/bench/src/churn/form2-sweep-main.ts [S|M|L]`.
 */
const name = process.argv[2] ?? 'L';
const spec = plan(false).find((s) => s.name === name);
if (!spec) throw new Error(`unknown size ${name}`);
const sections = canonicalSections(generateWorld({ ...spec.shape, worldId: 'sweep' }));
const pct = (f: number) => `${(f * 100).toFixed(1)}%`;
console.log(`${name} world, ${spec.records} records\n`);
console.log('| rule | record chunks | index chunks | median B | p99 B | max B | 1% random | 1% run | insert at start | delete one |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of sweep(sections, candidates())) {
  console.log(`| ${r.name} | ${r.chunks} | ${r.indexChunks} | ${r.medianBytes} | ${r.p99Bytes} | ${r.maxBytes} | ${pct(r.randomOnePercent)} | ${pct(r.runOnePercent)} | ${pct(r.insertAtStart)} | ${pct(r.deleteOne)} |`);
}
