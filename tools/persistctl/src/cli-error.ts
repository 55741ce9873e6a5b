import { EXIT, type ExitCode } from './exit-codes';

/**
 * A failure the CLI itself decides on, with its exit code: a bad command line or an unreadable
 * file (USAGE), a damaged export or epoch (REFUSED, with a DESIGN §4 code such as
 * DIGEST_MISMATCH), an unreachable endpoint (USAGE: connection problems share exit code 2).
 */
export class CliError extends Error {
  override readonly name = 'CliError';

  constructor(
    readonly exitCode: ExitCode,
    message: string,
    /** A DESIGN §4 code when the failure is one (DIGEST_MISMATCH, MISSING_COMPONENT, ...). */
    readonly code?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A bad command line: exit 2, and the command's usage is printed. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(EXIT.USAGE, message);
  }
}

/** Damage or a refusal found by the CLI itself: exit 1. */
export function refused(code: string, message: string): CliError {
  return new CliError(EXIT.REFUSED, message, code);
}
