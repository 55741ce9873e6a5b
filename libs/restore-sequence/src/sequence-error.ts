import type { RestorePhase } from '@persistd/contract';
import type { RestorePayloadCase } from './restore-steps';

/**
 * Why a restore sequence was refused. A closed set: the daemon and the client switch on it.
 *
 * - `unknown-payload`: the message carries no payload, or one this version does not know.
 * - `phase-payload-mismatch`: the declared phase is not the phase of the payload's system.
 * - `out-of-order`: a section arrived before a step it must follow (that step may be late or
 *   absent; the sequence does not wait to find out).
 * - `repeated-phase`: a phase or section came back after a later one had started.
 * - `missing-phase`: the activation arrived, or the stream ended, with a step never seen.
 * - `after-activation`: anything after the activation, including a second activation.
 */
export const SEQUENCE_REFUSALS = [
  'unknown-payload',
  'phase-payload-mismatch',
  'out-of-order',
  'repeated-phase',
  'missing-phase',
  'after-activation',
] as const;

/** One of SEQUENCE_REFUSALS. */
export type SequenceRefusal = (typeof SEQUENCE_REFUSALS)[number];

/** What was offered when the sequence refused, and what it would have taken instead. */
export interface SequenceRefusalDetail {
  /** The declared phase of the refused message; undefined for a refusal at finish(). */
  phase?: RestorePhase;
  /** The payload of the refused message; undefined at finish() or when it had none. */
  payloadCase?: string;
  /** The steps the sequence would have accepted next (empty after the activation). */
  expected: readonly RestorePayloadCase[];
}

/**
 * The one error a RestoreSequence throws. Once thrown, the sequence stays refused: every later
 * call throws the same error, so a broken stream can never be resumed by accident.
 */
export class RestoreSequenceError extends Error {
  override readonly name = 'RestoreSequenceError';

  constructor(
    readonly reason: SequenceRefusal,
    /** What happened, without the reason prefix (for callers that wrap this error). */
    readonly description: string,
    readonly detail: SequenceRefusalDetail,
  ) {
    super(`restore sequence ${reason}: ${description}`);
  }
}

/** Type guard that survives duplicated module instances (checks the name and the reason). */
export function isRestoreSequenceError(e: unknown): e is RestoreSequenceError {
  return (
    e instanceof RestoreSequenceError ||
    (e instanceof Error && e.name === 'RestoreSequenceError' && (SEQUENCE_REFUSALS as readonly string[]).includes((e as RestoreSequenceError).reason))
  );
}
