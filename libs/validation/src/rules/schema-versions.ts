/** The snapshot schema this daemon writes. */
export const CURRENT_SCHEMA_VERSION = 1;

/**
 * The schema versions this daemon reads: the current one and the one before it (DESIGN §8).
 * 0 is the proto3 default, i.e. unset, never a version: at version 1 only 1 is read.
 */
export const SUPPORTED_SCHEMA_VERSIONS: readonly number[] = Object.freeze(
  [CURRENT_SCHEMA_VERSION - 1, CURRENT_SCHEMA_VERSION].filter((v) => v > 0),
);
