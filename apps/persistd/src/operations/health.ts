import type * as grpc from '@grpc/grpc-js';
import { PersistenceService } from '@persistd/contract';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import type { Logger } from 'pino';

/** The names health answers for: the whole server ("") and the persistence service. */
export const HEALTH_SERVICES = ['', PersistenceService.typeName] as const;

/** What health asks whether Redis answers: the store's PING (a STORE_UNAVAILABLE rejection = no). */
export interface Pingable {
  ping(): Promise<void>;
}

export interface HealthOptions {
  /** Time between two PINGs (default 1000 ms). */
  intervalMs?: number;
  /** A PING not answered within this counts as Redis down (default: the interval, at least 1000 ms). */
  timeoutMs?: number;
  logger?: Logger;
}

/** Default PING interval. */
export const HEALTH_INTERVAL_MS = 1000;

/**
 * `grpc.health.v1.Health` (the grpc-health-check package) for persistd: SERVING only while Redis
 * answers, NOT_SERVING while it does not and from the moment shutdown begins, for good.
 *
 * A PING runs every interval on the store's read connection (never two at once: a Redis that
 * hangs gets one PING, which times out into NOT_SERVING). Transitions are logged once each.
 * Watch streams are ended at shutdown, right after they are told NOT_SERVING: a load balancer's
 * open Watch would otherwise hold the graceful stop up for its whole grace.
 */
export class HealthReporter {
  private readonly impl = new HealthImplementation(Object.fromEntries(HEALTH_SERVICES.map((s) => [s, 'NOT_SERVING' as ServingStatus])));
  private readonly watches = new Set<grpc.ServerWritableStream<unknown, unknown>>();
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private up: boolean | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private probing: Promise<boolean> | undefined;

  constructor(
    private readonly store: Pingable,
    private readonly options: HealthOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? HEALTH_INTERVAL_MS;
    this.timeoutMs = options.timeoutMs ?? Math.max(this.intervalMs, 1000);
  }

  /** True while Redis answered the last PING; undefined before the first one. */
  get redisUp(): boolean | undefined {
    return this.up;
  }

  /** What health answers now. */
  get status(): ServingStatus {
    return !this.stopped && this.up === true ? 'SERVING' : 'NOT_SERVING';
  }

  /** Adds the Health service (Check, Watch, List) to a server; no credentials are asked (DESIGN §3). */
  addToServer(server: grpc.Server): void {
    this.impl.addToServer({
      addService: (definition, handlers) => {
        const watch = handlers.watch as (call: grpc.ServerWritableStream<unknown, unknown>) => void;
        server.addService(definition as grpc.ServiceDefinition, {
          ...handlers,
          watch: (call: grpc.ServerWritableStream<unknown, unknown>) => {
            if (this.stopped) {
              call.write({ status: 'NOT_SERVING' });
              call.end();
              return;
            }
            const forget = () => this.watches.delete(call);
            this.watches.add(call);
            call.once('cancelled', forget);
            call.once('finish', forget);
            watch(call);
          },
        } as grpc.UntypedServiceImplementation);
      },
    });
  }

  /** One PING now (waits for one already running); updates the status and returns whether Redis answered. */
  probe(): Promise<boolean> {
    this.probing ??= this.pingOnce().finally(() => (this.probing = undefined));
    return this.probing;
  }

  /** Starts the periodic PING (after a first `probe`, so start-up knows where it stands). */
  start(): void {
    if (this.stopped || this.timer) return;
    const next = () => {
      this.timer = setTimeout(() => {
        void this.probe().finally(() => {
          if (!this.stopped) next();
        });
      }, this.intervalMs);
      this.timer.unref();
    };
    next();
  }

  /** Shutdown: NOT_SERVING for good, no more PINGs, Watch streams told and ended. Idempotent. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    this.publish();
    for (const call of [...this.watches]) {
      this.watches.delete(call);
      call.end();
    }
  }

  private async pingOnce(): Promise<boolean> {
    const answered = this.store.ping().then(
      () => true,
      () => false,
    );
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), this.timeoutMs)));
    const first = await Promise.race([answered, late]);
    clearTimeout(timer);
    this.record(first === true);
    // A hung Redis keeps this PING: the next one waits for it rather than piling up.
    if (first === 'late') await answered;
    return first === true;
  }

  private record(up: boolean): void {
    if (this.stopped) return;
    const before = this.up;
    this.up = up;
    if (before !== up) {
      if (up) this.options.logger?.info({ health: 'SERVING' }, before === undefined ? 'Redis answers: health SERVING' : 'Redis answers again: health SERVING');
      else this.options.logger?.warn({ health: 'NOT_SERVING' }, 'Redis does not answer PING: health NOT_SERVING');
      this.publish();
    }
  }

  private publish(): void {
    const status = this.status;
    for (const service of HEALTH_SERVICES) this.impl.setStatus(service, status);
  }
}
