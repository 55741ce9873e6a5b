import { create } from '@bufbuild/protobuf';
import { cutUtf8, OwnerSystem, VALIDATE_BOUNDS, ValidateResponseSchema, ViolationSchema, type ValidateResponse } from '@persistd/contract';
import { sortViolations, type RuleViolation } from '@persistd/validation';
import type { RpcContext } from './context';
import type { AdmittedValidate } from './intake';

/**
 * Validate: every Save check (run by intake on a save worker thread), nothing committed. A stale expected_epoch is reported as an
 * EPOCH_CONFLICT violation in the list, not as a status (DESIGN §3). The list holds the first
 * violations in canonical order within VALIDATE_BOUNDS; `violations_total` counts them all.
 */
export async function validate(ctx: RpcContext, { req, work }: AdmittedValidate): Promise<ValidateResponse> {
  const violations: RuleViolation[] = [...work.violations];
  if (!violations.some((v) => v.path === 'world_id')) {
    const committed = await ctx.store.readCommittedEpoch(req.worldId);
    if (committed !== req.expectedEpoch) {
      violations.push({ code: 'EPOCH_CONFLICT', system: OwnerSystem.UNSPECIFIED, recordId: '', path: 'expected_epoch', message: `expected epoch ${req.expectedEpoch}, committed epoch is ${committed}` });
    }
  }
  const sorted = sortViolations(violations);
  return create(ValidateResponseSchema, {
    accepted: sorted.length === 0,
    violations: sorted.slice(0, VALIDATE_BOUNDS.violations).map((v) => create(ViolationSchema, bounded(v))),
    violationsTotal: sorted.length,
  });
}

/** A violation with its strings cut to VALIDATE_BOUNDS, so one huge id cannot swell the answer. */
function bounded(v: RuleViolation): RuleViolation {
  return { ...v, recordId: cutUtf8(v.recordId, VALIDATE_BOUNDS.idBytes), path: cutUtf8(v.path, VALIDATE_BOUNDS.idBytes), message: cutUtf8(v.message, VALIDATE_BOUNDS.messageBytes) };
}
