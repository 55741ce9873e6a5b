/** Per-deployment store settings (DESIGN §6). */
export interface StoreSettings {
  /** PERSISTD_KEY_PREFIX: first part of every key. */
  prefix: string;
  /** PERSISTD_RETENTION: committed epochs kept per world (≥ 1). */
  retention: number;
  /** PERSISTD_REQUEST_TTL: seconds a committed request id is remembered. */
  requestTtlSeconds: number;
  /** PERSISTD_STAGE_TTL: seconds a staged chunk lives before its commit. */
  stageTtlSeconds: number;
}
