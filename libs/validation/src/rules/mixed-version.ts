import type { SnapshotRule } from './rule';

/** Every section is written in the snapshot's schema version. */
export const mixedVersion: SnapshotRule = {
  code: 'MIXED_VERSION',
  check({ snapshot, systems }, report) {
    if (!snapshot) return;
    for (const { section, compiled } of systems) {
      if (!section || section.schemaVersion === snapshot.schemaVersion) continue;
      const { entry } = compiled;
      report('MIXED_VERSION', entry.system, '', `${entry.section}.schema_version`, `the ${entry.name} section is schema version ${section.schemaVersion}, the snapshot ${snapshot.schemaVersion}`);
    }
  },
};
