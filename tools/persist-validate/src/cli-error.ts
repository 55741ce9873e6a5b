/** Why the CLI could not judge anything at all; every kind exits 2 (EXIT.trouble). */
export type TroubleKind = 'usage' | 'input' | 'unavailable' | 'not-found';

/**
 * The one error the CLI raises for trouble that is not a verdict: bad arguments, a file that
 * cannot be read or parsed, a Redis that cannot be reached, a world that was never saved.
 */
export class CliError extends Error {
  override readonly name = 'CliError';

  constructor(
    readonly kind: TroubleKind,
    message: string,
  ) {
    super(message);
  }
}
