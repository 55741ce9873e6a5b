import { codeRank, OwnerSystem, type ViolationCode } from '@persistd/contract';
import { systemRank } from '@persistd/ownership';

/**
 * One broken rule of a request's snapshot (DESIGN §4). `system` is the owner system whose data
 * breaks it, or OWNER_SYSTEM_UNSPECIFIED for the request itself (its source, world id, request id,
 * schema version). `recordId` names the record (empty for request- and section-level findings);
 * `path` names the datum by record id: `items[i0001].location.inventory.player_id`.
 */
export interface RuleViolation {
  code: ViolationCode;
  system: OwnerSystem;
  recordId: string;
  path: string;
  message: string;
}

/**
 * What ordering and `describe` need: a violation of any code, so the RPC layer can sort in the
 * REQUEST_ID_REUSED / EPOCH_CONFLICT findings it adds (codeRank knows every save code).
 */
export type ViolationLike = Omit<RuleViolation, 'code'> & { code: string };

/** Request-level violations (system UNSPECIFIED) sort before every owner system's. */
function rankOfSystem(system: OwnerSystem): number {
  return system === OwnerSystem.UNSPECIFIED ? -1 : systemRank(system);
}

/** Plain UTF-16 code-unit order: the same in every locale and runtime (never localeCompare). */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The canonical order of violations (DESIGN §4): code precedence, then system (request-level
 * first, then player, world, npc, item, quest), then record id, path and message.
 */
export function compareViolations(a: ViolationLike, b: ViolationLike): number {
  return (
    codeRank(a.code) - codeRank(b.code) ||
    rankOfSystem(a.system) - rankOfSystem(b.system) ||
    compareText(a.recordId, b.recordId) ||
    compareText(a.path, b.path) ||
    compareText(a.message, b.message)
  );
}

/** A new array of the violations in canonical order; the input is left as it was. */
export function sortViolations<V extends ViolationLike>(violations: readonly V[]): V[] {
  return [...violations].sort(compareViolations);
}

/** The one-line form clients see (BadRequest `description`): `CODE: message`. */
export function describe(v: ViolationLike): string {
  return `${v.code}: ${v.message}`;
}
