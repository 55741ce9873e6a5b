import { RestorePhase, type RestoreResponse } from '@persistd/contract';
import { OWNER_SYSTEMS, type OwnerEntry, type SectionField } from '@persistd/ownership';

/** What a RestoreResponse carries: one owner system's section, or the activation. */
export type RestorePayloadCase = NonNullable<RestoreResponse['payload']['case']>;

// The registry's section names must be payload cases; this line stops compiling if they drift.
const sectionIsPayload: (s: SectionField) => RestorePayloadCase = (s) => s;

/**
 * The steps of a restore in the only order they may happen (DESIGN §1, §3): the five sections in
 * registry order (players, world, then npcs, items, quests of BOUND), then the activation. A
 * section step may span several consecutive messages (one per stored chunk); activation is one.
 */
export const RESTORE_STEPS: readonly RestorePayloadCase[] = Object.freeze([
  ...OWNER_SYSTEMS.map((e) => sectionIsPayload(e.section)),
  'activation' as const,
]);

/** Position of a payload case in RESTORE_STEPS; -1 for anything that is not a payload case. */
export function stepIndexOf(payloadCase: string | undefined): number {
  return payloadCase === undefined ? -1 : RESTORE_STEPS.indexOf(payloadCase as RestorePayloadCase);
}

/**
 * The phase a message carrying this payload must declare. Pure, so the daemon and the client
 * agree on it without a stream: players → PLAYERS, world → WORLD, npcs/items/quests → BOUND,
 * activation → ACTIVATION. Anything else gives UNSPECIFIED, which no message may carry.
 */
export function expectedPhaseOf(payloadCase: RestorePayloadCase): RestorePhase {
  if (payloadCase === 'activation') return RestorePhase.ACTIVATION;
  return OWNER_SYSTEMS.find((e) => e.section === payloadCase)?.phase ?? RestorePhase.UNSPECIFIED;
}

/** The owner system whose section this payload is; undefined for the activation. */
export function ownerOfPayload(payloadCase: RestorePayloadCase): OwnerEntry | undefined {
  return OWNER_SYSTEMS.find((e) => e.section === payloadCase);
}

/** A phase's name for messages (`PLAYERS`), or its number when it is outside the enum. */
export function phaseName(phase: RestorePhase): string {
  return RestorePhase[phase] ?? String(phase);
}
