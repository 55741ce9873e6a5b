import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CallRecord } from '../rpc/call-observer';

/** Latency buckets in seconds: a small save takes milliseconds, a 50k-record world seconds. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** What the gauges read at scrape time. */
export interface MetricSources {
  /** Handlers running now. */
  inflightCalls(): number;
  /** Calls' checks waiting for a save worker and running on one; background indexing waiting or running. */
  saveWork(): { waiting: number; running: number; background: number };
  /** SaveChanges' base-epoch index cache; absent in daemons built without one. */
  indexCache?(): { hits: number; misses: number; evictions: number; entries: number; bytes: number; fast: number; rebuilt: number; full: number; chunksRead: number };
  /** Whether Redis answered the last health PING; undefined before the first. */
  redisUp(): boolean | undefined;
  /** The authority's counters (refusals, refused TLS handshakes). */
  authority: { readonly counters: { readonly handshakeFailures: number; readonly unauthenticated: number; readonly denied: number } };
}

/**
 * persistd's Prometheus metrics, in a registry of the daemon's own (several daemons in one
 * process — tests — never share a series). The names are a contract: the Grafana dashboard
 * (tools/load/grafana) and `persistctl watch` read them.
 *
 * Calls are counted from CallRecords (`record`), which the call observer produces once per call;
 * gauges and the authority's counters are read when scraped.
 */
export class DaemonMetrics {
  readonly registry = new Registry();
  private readonly loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });

  private readonly saves = new Counter({ name: 'persistd_saves_total', help: 'Save calls by outcome (ok, refused, failed) and reason (the DESIGN §4 code; empty when ok).', labelNames: ['outcome', 'reason'], registers: [this.registry] });
  private readonly restores = new Counter({ name: 'persistd_restores_total', help: 'Restore calls by outcome (ok, refused, failed) and reason (the DESIGN §4 code; empty when ok).', labelNames: ['outcome', 'reason'], registers: [this.registry] });
  private readonly rpcs = new Counter({ name: 'persistd_rpcs_total', help: 'Every PersistenceService call by method, outcome and reason.', labelNames: ['method', 'outcome', 'reason'], registers: [this.registry] });
  private readonly saveDuration = new Histogram({ name: 'persistd_save_duration_seconds', help: 'Save latency, arrival to answer, by outcome.', labelNames: ['outcome'], buckets: DURATION_BUCKETS, registers: [this.registry] });
  private readonly restoreDuration = new Histogram({ name: 'persistd_restore_duration_seconds', help: 'Restore latency, arrival to the last message, by outcome.', labelNames: ['outcome'], buckets: DURATION_BUCKETS, registers: [this.registry] });
  private readonly requestBytes = new Counter({ name: 'persistd_request_bytes_total', help: 'Request bytes received, by method.', labelNames: ['method'], registers: [this.registry] });
  private readonly responseBytes = new Counter({ name: 'persistd_response_bytes_total', help: 'Response bytes sent, by method.', labelNames: ['method'], registers: [this.registry] });
  private readonly epochConflicts = new Counter({ name: 'persistd_epoch_conflicts_total', help: 'Saves (Save and SaveChanges) refused with EPOCH_CONFLICT (another save won).', registers: [this.registry] });
  private readonly worldsDeleted = new Counter({ name: 'persistd_worlds_deleted_total', help: 'DeleteWorld calls answered ok (a repeat of a delete included), by the admin principal that made them.', labelNames: ['principal'], registers: [this.registry] });
  private readonly commitOutcomeUnknown = new Counter({ name: 'persistd_commit_outcome_unknown_total', help: 'Saves (Save and SaveChanges) answered COMMIT_OUTCOME_UNKNOWN (no reply to EXEC; the client retries with the same request id).', registers: [this.registry] });

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    const { counters } = sources.authority;
    new Gauge({
      name: 'persistd_redis_up',
      help: '1 while Redis answers the health PING, 0 while it does not.',
      registers,
      collect() {
        this.set(sources.redisUp() === true ? 1 : 0);
      },
    });
    new Gauge({
      name: 'persistd_index_cache',
      help: "SaveChanges' base-epoch index cache (PERSISTD_INDEX_CACHE_BYTES): lookups that hit and missed, evictions since start, and the indexes and bytes held now.",
      labelNames: ['stat'],
      registers,
      collect() {
        const stats = sources.indexCache?.();
        if (stats) for (const stat of ['hits', 'misses', 'evictions', 'entries', 'bytes'] as const) this.set({ stat }, stats[stat]);
      },
    });
    new Counter({
      name: 'persistd_save_changes_total',
      help: "SaveChanges judged against their base epoch, by path: `fast` (the base index held and the change alone), `rebuilt` (the base index not held, rebuilt from the whole base read, then as `fast`) or `full` (the whole base read and the result checked as a Save).",
      labelNames: ['path'],
      registers,
      collect() {
        const stats = sources.indexCache?.();
        if (!stats) return;
        this.reset();
        for (const path of ['fast', 'rebuilt', 'full'] as const) this.inc({ path }, stats[path]);
      },
    });
    new Counter({
      name: 'persistd_save_changes_chunks_read_total',
      help: "Record chunks SaveChanges' fast path read from Redis (the chunks its changes fall in).",
      registers,
      collect() {
        const stats = sources.indexCache?.();
        if (!stats) return;
        this.reset();
        this.inc(stats.chunksRead);
      },
    });
    new Gauge({
      name: 'persistd_inflight_calls',
      help: 'PersistenceService handlers running now.',
      registers,
      collect() {
        this.set(sources.inflightCalls());
      },
    });
    new Gauge({
      name: 'persistd_save_work',
      help: 'Work of the save worker threads (PERSISTD_SAVE_WORKERS) by state: calls\' checks waiting for a thread or running on one, and background indexing of epochs for SaveChanges (waiting or running; it yields to calls).',
      labelNames: ['state'],
      registers,
      collect() {
        const { waiting, running, background } = sources.saveWork();
        this.set({ state: 'waiting' }, waiting);
        this.set({ state: 'running' }, running);
        this.set({ state: 'background' }, background);
      },
    });
    new Counter({
      name: 'persistd_auth_refusals_total',
      help: 'Calls refused by authority, by reason (UNAUTHENTICATED, CLIENT_AUTHORED).',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        this.inc({ reason: 'UNAUTHENTICATED' }, counters.unauthenticated);
        this.inc({ reason: 'CLIENT_AUTHORED' }, counters.denied);
      },
    });
    new Counter({
      name: 'persistd_tls_handshake_failures_total',
      help: 'TLS handshakes refused (no or a foreign client certificate); the client saw UNAVAILABLE.',
      registers,
      collect() {
        this.reset();
        this.inc(counters.handshakeFailures);
      },
    });
    const loopDelay = this.loopDelay;
    loopDelay.enable();
    new Gauge({
      name: 'persistd_event_loop_delay_p99_seconds',
      help: 'p99 of the event loop delay since the previous scrape: how late a ready callback runs (decoding a large save shows here).',
      registers,
      collect() {
        const p99 = loopDelay.count > 0 ? loopDelay.percentile(99) : 0;
        this.set(p99 / 1e9);
        loopDelay.reset();
      },
    });
    collectDefaultMetrics({ register: this.registry });
    // Series a dashboard's rate() needs from the first scrape, before any call ended.
    for (const c of [this.saves, this.restores]) c.inc({ outcome: 'ok', reason: '' }, 0);
  }

  /** Counts one finished call. */
  record(call: CallRecord): void {
    const labels = { outcome: call.outcome, reason: call.reason };
    this.rpcs.inc({ method: call.method, ...labels });
    this.requestBytes.inc({ method: call.method }, call.bytesIn);
    this.responseBytes.inc({ method: call.method }, call.bytesOut);
    if (call.method === 'Save') {
      this.saves.inc(labels);
      this.saveDuration.observe({ outcome: call.outcome }, call.seconds);
    }
    if (call.method === 'Save' || call.method === 'SaveChanges') {
      if (call.reason === 'EPOCH_CONFLICT') this.epochConflicts.inc();
      if (call.reason === 'COMMIT_OUTCOME_UNKNOWN') this.commitOutcomeUnknown.inc();
    }
    if (call.method === 'DeleteWorld') {
      if (call.outcome === 'ok') this.worldsDeleted.inc({ principal: call.principal ?? '' });
    }
    if (call.method === 'Restore') {
      this.restores.inc(labels);
      this.restoreDuration.observe({ outcome: call.outcome }, call.seconds);
    }
  }

  /** The text exposition of every metric. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  /** Stops the event-loop monitor. */
  close(): void {
    this.loopDelay.disable();
  }
}
