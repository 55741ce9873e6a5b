/**
 * A change set was asked for (`mode: 'changes'`, or `saveChanges`) but the SDK does not know
 * for certain what the expected epoch holds: it never saved or restored that epoch of the world,
 * or forgot it after an EPOCH_CONFLICT. Nothing was sent. Restore the world (or save it whole)
 * and go on from there.
 */
export class NoChangeBaseError extends Error {
  override readonly name = 'NoChangeBaseError';

  constructor(
    readonly worldId: string,
    readonly expectedEpoch: bigint,
    /** The epoch the SDK knows, if any. */
    readonly knownEpoch: bigint | undefined,
  ) {
    super(
      `no change set for world ${worldId} at epoch ${expectedEpoch}: ` +
        (knownEpoch === undefined ? 'the SDK knows no epoch of it' : `the SDK knows epoch ${knownEpoch}`) +
        '; restore it or save it whole',
    );
  }
}

export function isNoChangeBaseError(e: unknown): e is NoChangeBaseError {
  return e instanceof NoChangeBaseError;
}
