import { SEQUENCE_REFUSALS, type RestoreSequenceError } from '@persistd/restore-sequence';

/**
 * Why the SDK refused a restore stream. A closed set: the restore-sequence reasons (order) plus
 * what only a whole stream can show:
 *
 * - `epoch-mismatch`: a message's `epoch`, a section's `source_epoch` or the activation's epoch
 *   differs from the restored epoch (the requested one, else the first message's; never 0).
 * - `world-mismatch`: the world section or the activation names another world.
 * - `version-mismatch`: a section's `schema_version` (or the world's `content_version`) changes
 *   mid-stream, or the activation's differs from the sections'.
 * - `activation-state`: the activation does not list each of the five systems once, INACTIVE.
 * - `count-mismatch`: the records received for a system differ from `activation.counts`.
 */
export const RESTORE_REFUSALS = [
  ...SEQUENCE_REFUSALS,
  'epoch-mismatch',
  'world-mismatch',
  'version-mismatch',
  'activation-state',
  'count-mismatch',
] as const;

/** One of RESTORE_REFUSALS. */
export type RestoreRefusal = (typeof RESTORE_REFUSALS)[number];

/**
 * The SDK refused what the daemon streamed. No handler runs after it is thrown, and the world is
 * never handed out: whatever the handlers staged must be discarded.
 */
export class RestoreRefusedError extends Error {
  override readonly name = 'RestoreRefusedError';

  constructor(
    readonly reason: RestoreRefusal,
    message: string,
    /** Index of the offending message in the stream; undefined when the stream's end was. */
    readonly messageIndex: number | undefined,
    options?: { cause?: RestoreSequenceError },
  ) {
    super(`restore refused (${reason}${messageIndex === undefined ? ', at end of stream' : `, message ${messageIndex}`}): ${message}`, options);
  }
}

/** Type guard for RestoreRefusedError. */
export function isRestoreRefusedError(e: unknown): e is RestoreRefusedError {
  return e instanceof RestoreRefusedError;
}
