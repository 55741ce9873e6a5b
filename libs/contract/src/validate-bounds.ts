/**
 * Bounds of a ValidateResponse's violation list (DESIGN §3 Errors). A snapshot can break a rule
 * hundreds of thousands of times; the answer lists the first violations in canonical order and
 * `violations_total` counts them all. At the caps a response is about 1 MiB at most, far below
 * the 4 MiB a gRPC client receives by default.
 */
export const VALIDATE_BOUNDS = {
  /** Violations listed in one ValidateResponse. */
  violations: 1000,
  /** UTF-8 bytes of a listed violation's `record_id` and of its `path`. */
  idBytes: 256,
  /** UTF-8 bytes of a listed violation's `message`. */
  messageBytes: 512,
} as const;
