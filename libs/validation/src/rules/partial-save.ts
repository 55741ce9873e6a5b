import type { SnapshotRule } from './rule';

/** A save carries all five sections, even empty ones: one absent section rejects it (DESIGN §1). */
export const partialSave: SnapshotRule = {
  code: 'PARTIAL_SAVE',
  check({ snapshot, systems }, report) {
    for (const s of systems) {
      if (s.section) continue;
      const { entry } = s.compiled;
      const why = snapshot ? `the ${entry.name} section is absent` : `the snapshot is absent, so is the ${entry.name} section`;
      report('PARTIAL_SAVE', entry.system, '', `snapshot.${entry.section}`, `${why}: a save carries all five sections, even empty ones`);
    }
  },
};
