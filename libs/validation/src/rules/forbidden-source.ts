import { OwnerSystem, StateSource, StateSourceSchema } from '@persistd/contract';
import type { SnapshotRule } from './rule';

/** Only the authoritative runtime's state persists (DESIGN §1, server authority). */
export const forbiddenSource: SnapshotRule = {
  code: 'FORBIDDEN_SOURCE',
  check({ input }, report) {
    if (input.source === StateSource.AUTHORITATIVE_RUNTIME) return;
    const name = StateSourceSchema.values.find((v) => v.number === input.source)?.name ?? String(input.source);
    report('FORBIDDEN_SOURCE', OwnerSystem.UNSPECIFIED, '', 'source', `source ${name} never persists: only STATE_SOURCE_AUTHORITATIVE_RUNTIME may save`);
  },
};
