/**
 * The daemon's Prometheus metrics that `persistctl watch` and the Grafana dashboard
 * (tools/load/grafana/persistd-dashboard.json) read. The daemon must export exactly these.
 */
export const METRICS = {
  /** counter, labels outcome, reason: Save calls by how they ended (reason: the §4 code, empty when ok). */
  saves: 'persistd_saves_total',
  /** counter, labels outcome, reason: Restore calls by how they ended. */
  restores: 'persistd_restores_total',
  /** histogram (seconds): Save latency. */
  saveDuration: 'persistd_save_duration_seconds',
  /** histogram (seconds): Restore latency. */
  restoreDuration: 'persistd_restore_duration_seconds',
  /** counter: request bytes received. */
  requestBytes: 'persistd_request_bytes_total',
  /** counter: response bytes sent. */
  responseBytes: 'persistd_response_bytes_total',
  /** counter: saves refused with EPOCH_CONFLICT. */
  epochConflicts: 'persistd_epoch_conflicts_total',
  /** counter: commits whose outcome was unknown (COMMIT_OUTCOME_UNKNOWN). */
  commitOutcomeUnknown: 'persistd_commit_outcome_unknown_total',
  /** gauge: 1 while Redis answers, 0 while it does not. */
  redisUp: 'persistd_redis_up',
  /** gauge: RPCs being served. */
  inflightCalls: 'persistd_inflight_calls',
  /** gauge, label state (waiting, running): Save and Validate checks waiting for a save worker thread, and running on one. */
  saveWork: 'persistd_save_work',
} as const;
