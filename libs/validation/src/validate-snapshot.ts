import { COMPILED_MODULES } from './owner-modules';
import { runRules, type SnapshotCheckInput } from './rules';
import { buildContext } from './rules/snapshot-context';
import type { RuleViolation } from './violation';

export type { RuleViolation } from './violation';
export type { SnapshotCheckInput } from './rules';
export { CURRENT_SCHEMA_VERSION, SUPPORTED_SCHEMA_VERSIONS, createSnapshotValidator } from './rules';

/**
 * Every violation the request's snapshot has, complete and in canonical order (DESIGN §4); empty
 * means accepted. Pure: the same input always gives a deep-equal answer, messages built from the
 * input alone. Save and Validate both call it after authority, parsing and limits.
 */
export function validateSnapshot(input: SnapshotCheckInput): RuleViolation[] {
  return runRules(buildContext(input, COMPILED_MODULES));
}
