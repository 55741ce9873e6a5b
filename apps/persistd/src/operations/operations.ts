import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { ServingState } from '../lifecycle/serving-state';
import type { CallSink } from '../rpc/call-observer';
import { callLog } from './call-log';
import { HealthReporter, type Pingable } from './health';
import { DaemonMetrics, type MetricSources } from './metrics';
import { listenMetrics, type MetricsEndpoint } from './metrics-server';
import { addReflection } from './reflection';

/** What the operational side of a daemon is made from. */
export interface OperationsParts {
  /** PERSISTD_METRICS_LISTEN (`off` disables the endpoint; calls are still counted). */
  metricsListen: string;
  logger: Logger;
  store: Pingable;
  calls: { readonly count: number };
  savePool: { stats(): ReturnType<MetricSources['saveWork']> };
  indexCache?: { stats(): ReturnType<NonNullable<MetricSources['indexCache']>> };
  authority: MetricSources['authority'];
  serving: ServingState;
  /** Health PING interval in ms (default 1000). */
  healthIntervalMs?: number;
}

/** Health, reflection, metrics and the call log of one daemon. */
export interface Operations {
  health: HealthReporter;
  metrics: DaemonMetrics;
  /** Give these to the RPC context: every finished call reaches metrics and the log. */
  callSinks: readonly CallSink[];
  /** `http://host:port/metrics` once started, unless metrics are off. */
  readonly metricsUrl: string | undefined;
  /** Adds grpc.health.v1.Health and server reflection to the server (before it binds). */
  addServices(server: grpc.Server): void;
  /** First health PING, then the periodic ones, then the metrics endpoint (a ConfigError if it cannot bind). */
  start(): Promise<void>;
  /** Stops PINGs and the metrics endpoint (after the store closed: a scrape during shutdown still answers). */
  close(): Promise<void>;
}

/**
 * Builds the operational side of a daemon (health, metrics, call log, reflection). Health turns NOT_SERVING the moment
 * shutdown begins (a `serving.onShutdown` hook, registered first, so it runs before any other),
 * while the port still takes calls and load balancers can drain.
 */
export function createOperations(parts: OperationsParts): Operations {
  const { logger } = parts;
  const health = new HealthReporter(parts.store, { intervalMs: parts.healthIntervalMs, logger });
  const metrics = new DaemonMetrics({ inflightCalls: () => parts.calls.count, saveWork: () => parts.savePool.stats(), indexCache: parts.indexCache && (() => parts.indexCache!.stats()), redisUp: () => health.redisUp, authority: parts.authority });
  parts.serving.onShutdown(() => health.stop());
  let endpoint: MetricsEndpoint | undefined;
  let closed = false;
  return {
    health,
    metrics,
    callSinks: [(c) => metrics.record(c), callLog(logger)],
    get metricsUrl() {
      return endpoint?.url;
    },
    addServices(server) {
      health.addToServer(server);
      addReflection(server);
    },
    async start() {
      await health.probe();
      health.start();
      if (parts.metricsListen !== 'off') {
        endpoint = await listenMetrics(parts.metricsListen, metrics.registry);
        logger.info({ metrics: endpoint.url }, `metrics on ${endpoint.url}`);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      health.stop();
      metrics.close();
      await endpoint?.close();
    },
  };
}
