import type { DescField } from '@bufbuild/protobuf';
import { OwnerSystem, WorldSnapshotSchema } from '@persistd/contract';
import type { SnapshotRule } from './rule';
import { findRuntimeState } from './runtime-walk';

/**
 * Nothing runtime-only persists (DESIGN §3): a field the proto marks `runtime_only` that is set,
 * or unknown fields anywhere (top, sections, records, nested messages), reject the save. Driven by
 * the descriptors alone, so a newly marked field is covered with no new code here.
 */
export const runtimeState: SnapshotRule = {
  code: 'RUNTIME_STATE',
  check({ input, snapshot, systems }, report) {
    if (input.request) {
      const { desc, message } = input.request;
      // The snapshot (or a SaveChanges' change set) is walked below, section by section.
      const snapshotField = new Set(desc.fields.filter((f) => f.name === 'snapshot' || f.name === 'changes'));
      findRuntimeState(desc, message, 'request', (path, message) => report('RUNTIME_STATE', OwnerSystem.UNSPECIFIED, '', path, message), snapshotField);
    }
    if (!snapshot) return;
    const sectionFields = new Set<DescField>(systems.map((s) => s.compiled.sectionField));
    findRuntimeState(WorldSnapshotSchema, snapshot, 'snapshot', (path, message) => report('RUNTIME_STATE', OwnerSystem.UNSPECIFIED, '', path, message), sectionFields);
    for (const { section, compiled, records, labels } of systems) {
      if (!section) continue;
      const { entry, sectionDesc, recordsField, recordDesc } = compiled;
      findRuntimeState(sectionDesc, section, entry.section, (path, message) => report('RUNTIME_STATE', entry.system, '', path, message), new Set([recordsField]));
      // Paths inside a record are walked relative ('' = the record) and prefixed on a hit only.
      let label = '';
      const atRecord = (path: string, message: string) => report('RUNTIME_STATE', entry.system, label, `${entry.recordField}[${label}]${path}`, message);
      for (let i = 0; i < records.length; i++) {
        label = labels[i];
        findRuntimeState(recordDesc, records[i], '', atRecord);
      }
    }
  },
};
