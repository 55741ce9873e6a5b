import { OwnerSystem } from '@persistd/contract';
import { ID_PATTERN } from '@persistd/ownership';
import { Refusal } from './refusal';

/**
 * A world id names Redis keys, so Restore and GetWorldStatus check it as Save does (DESIGN §4
 * field rules) before touching the store.
 */
export function requireWorldId(worldId: string): void {
  if (!ID_PATTERN.test(worldId)) {
    throw Refusal.ofViolations([{ code: 'INVALID_FIELD', system: OwnerSystem.UNSPECIFIED, recordId: '', path: 'world_id', message: `must match ${ID_PATTERN.source}` }]);
  }
}
