import type { DescMessage, Message } from '@bufbuild/protobuf';
import type { OwnerSystem, StateSource, ViolationCode, WorldSnapshot } from '@persistd/contract';
import type { LostMapKey } from './lost-map-keys';
import type { SnapshotContext } from './snapshot-context';

/** What Save and Validate hand to the snapshot rules: the request's fields, decoded once. */
export interface SnapshotCheckInput {
  worldId: string;
  expectedEpoch: bigint;
  source: StateSource;
  snapshot: WorldSnapshot | undefined;
  /** Save only: the idempotency key, checked as a field when given. */
  requestId?: string;
  /**
   * The decoded request envelope (SaveRequest, ValidateRequest), when there is one: unknown
   * fields on it are RUNTIME_STATE like those inside the snapshot (DESIGN §3).
   */
  request?: { desc: DescMessage; message: Message };
  /** Map keys `__proto__` the bytes held and the decoded records lost (lost-map-keys.ts), when the caller read the bytes. */
  lostMapKeys?: readonly LostMapKey[];
}

/** Collects violations; rules never stop at the first. */
export type Report = (code: ViolationCode, system: OwnerSystem, recordId: string, path: string, message: string) => void;

/**
 * One rule of DESIGN §4 (internal): reads the prepared context and reports every violation of
 * its code it finds. Rules are independent of each other and of the order they run in.
 */
export interface SnapshotRule {
  readonly code: ViolationCode;
  check(ctx: SnapshotContext, report: Report): void;
}

const MAX_QUOTED = 64;

/**
 * A value as messages show it: strings quoted (cut at 64 characters), numbers as written,
 * `unset` for undefined. Only primitives: a message or map is named by the path instead.
 * @internal
 */
export function shown(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string': {
      const cps = [...value];
      return cps.length > MAX_QUOTED ? `${JSON.stringify(cps.slice(0, MAX_QUOTED).join(''))}…` : JSON.stringify(value);
    }
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value);
    case 'undefined':
      return 'unset';
    default:
      return undefined;
  }
}

/** A list for messages, cut after `max` entries so a message stays small. @internal */
export function listed(items: readonly string[], max = 10): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

/** Plain code-unit order, as violations are sorted (never localeCompare). @internal */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
