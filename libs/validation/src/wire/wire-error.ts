/**
 * The request's bytes do not parse (MALFORMED_REQUEST). Thrown by readSaveRequest with the
 * typed decoder's own error as `cause`: the wire path never judges malformed bytes itself, it
 * hands anything it cannot read to `fromBinary`, whose verdict this is.
 */
export class WireMalformedError extends Error {
  override readonly name = 'WireMalformedError';
  constructor(
    readonly typeName: string,
    cause: unknown,
  ) {
    super(`request does not parse as ${typeName}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** Type guard for WireMalformedError. */
export function isWireMalformed(e: unknown): e is WireMalformedError {
  return e instanceof WireMalformedError;
}
