import { create } from '@bufbuild/protobuf';
import { OwnerSystem, ValidateResponseSchema, ViolationSchema, type ValidateResponse } from '@persistd/contract';
import { sortViolations, type RuleViolation } from '@persistd/validation';
import type { RpcContext } from './context';
import type { AdmittedValidate } from './intake';

/**
 * Validate: every Save check (run by intake on a save worker thread), nothing committed. A stale expected_epoch is reported as an
 * EPOCH_CONFLICT violation in the list, not as a status (DESIGN §3).
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
  return create(ValidateResponseSchema, { accepted: sorted.length === 0, violations: sorted.map((v) => create(ViolationSchema, v)) });
}
