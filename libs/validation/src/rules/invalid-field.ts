import { OwnerSystem } from '@persistd/contract';
import { breakOf, formatPath, ID_PATTERN, NOT_APPLICABLE } from '@persistd/ownership';
import { reportLostMapKeys } from './lost-map-keys';
import type { SnapshotRule } from './rule';
import { shown } from './rule';

/**
 * The field rules of DESIGN §4: the request's world id and request id, and every owner module's
 * `fieldRules` on every record (records with a bad or repeated id included), each judged by the
 * rule kind's predicate in @persistd/ownership; and the map keys `__proto__` only the bytes
 * still held (lost-map-keys.ts).
 */
export const invalidField: SnapshotRule = {
  code: 'INVALID_FIELD',
  check(ctx, report) {
    const { input, systems } = ctx;
    if (!ID_PATTERN.test(input.worldId)) {
      report('INVALID_FIELD', OwnerSystem.UNSPECIFIED, '', 'world_id', `world_id must match ${ID_PATTERN.source} (got ${shown(input.worldId)})`);
    }
    if (input.requestId !== undefined && !ID_PATTERN.test(input.requestId)) {
      report('INVALID_FIELD', OwnerSystem.UNSPECIFIED, '', 'request_id', `request_id must be 1-128 characters of [A-Za-z0-9._-] (got ${shown(input.requestId)})`);
    }
    for (const { compiled, records, labels } of systems) {
      const { entry, fieldRules } = compiled;
      for (let i = 0; i < records.length; i++) {
        const record = records[i];
        for (const { rule, read, enumDesc } of fieldRules) {
          const value = read(record);
          if (value === NOT_APPLICABLE) continue;
          const why = breakOf(rule.kind, value, enumDesc);
          if (why === undefined) continue;
          const got = shown(value);
          report('INVALID_FIELD', entry.system, labels[i], formatPath(entry.recordField, labels[i], rule.path), `${rule.path.join('.')} ${why}${got === undefined ? '' : ` (got ${got})`}`);
        }
      }
    }
    reportLostMapKeys(ctx, report);
  },
};
