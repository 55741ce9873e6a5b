import type { SnapshotRule } from './rule';

/** Every section descends from the epoch the save names (no section of another epoch mixed in). */
export const mixedEpoch: SnapshotRule = {
  code: 'MIXED_EPOCH',
  check({ input, systems }, report) {
    for (const { section, compiled } of systems) {
      if (!section || section.sourceEpoch === input.expectedEpoch) continue;
      const { entry } = compiled;
      report('MIXED_EPOCH', entry.system, '', `${entry.section}.source_epoch`, `the ${entry.name} section descends from epoch ${section.sourceEpoch}, the save from epoch ${input.expectedEpoch}`);
    }
  },
};
