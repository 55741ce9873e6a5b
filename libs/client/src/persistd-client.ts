import { randomUUID } from 'node:crypto';
import { create, fromBinary, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import {
  createClient,
  PersistenceService,
  rawUnaryCall,
  SaveRequestSchema,
  SaveResponseSchema,
  type DeleteWorldResponse,
  type GetWorldStatusResponse,
  type RestoreResponse,
  type SaveResponse,
  type TypedClient,
  type ValidateRequestSchema,
  type ValidateResponse,
} from '@persistd/contract';
import { toPersistdError } from './persistd-error';
import { RestoreDriver } from './restore-driver';
import { backoffMs, isRetryable, resolveRetryPolicy, withRetries, type RetryOption, type RetryPolicy } from './retry-policy';
import type { RestoreHandlers } from './restore-handlers';
import type { RestoredWorld } from './restored-world';

/** The Save method's path (from the descriptor, never written out). */
const SAVE_PATH = `/${PersistenceService.typeName}/${PersistenceService.method.save.name}`;

/**
 * Deadlines the SDK gives a call when neither the call nor the client names one, so no call can
 * wait forever: a unary call's attempt, and a whole restore stream (a large world streams for a
 * while on a slow link).
 */
export const DEFAULT_DEADLINES = { unaryMs: 30_000, restoreMs: 300_000 } as const;

/** How to reach the daemon. */
export interface PersistdClientOptions {
  /** Channel credentials; insecure (loopback deployments) when absent. */
  credentials?: grpc.ChannelCredentials;
  channelOptions?: grpc.ChannelOptions;
  /** Sent as `authorization: Bearer <token>` on every call (deployments with PERSISTD_TOKENS_FILE). */
  token?: string;
  /**
   * Deadline of each attempt when a call gives none, in ms; unset: DEFAULT_DEADLINES (30 s a
   * unary call, 5 min a restore stream); `Infinity`: no deadline.
   */
  defaultDeadlineMs?: number;
  /** Retries of unknown outcomes for every call (DEFAULT_RETRY_POLICY when absent); `false`: none. */
  retry?: RetryOption;
}

/** Per-call options. */
export interface CallOptions {
  /**
   * Milliseconds from the start of EACH attempt until it is abandoned (DEADLINE_EXCEEDED, an
   * unknown outcome, so retried). A call takes at most `maxAttempts × deadlineMs` plus the pauses.
   * Unset: the client's `defaultDeadlineMs`; `Infinity`: no deadline.
   */
  deadlineMs?: number;
  /** Extra request metadata, merged over the client's own. */
  metadata?: grpc.Metadata;
  /** Retries of this call, over the client's policy; `false`: one attempt only. */
  retry?: RetryOption;
}

/** Options of a restore: which epoch (0 or absent: the latest committed), plus call options. */
export interface RestoreOptions extends CallOptions {
  epoch?: bigint;
}

/** A save request as plain fields or a message; `requestId` may be left empty. */
export type SaveInit = MessageInitShape<typeof SaveRequestSchema>;
/** A validate request as plain fields or a message. */
export type ValidateInit = MessageInitShape<typeof ValidateRequestSchema>;

/**
 * The game server's handle on persistd. Every refusal surfaces as a PersistdError (status,
 * §4 reason, metadata, violations, `outcomeUnknown`; EPOCH_CONFLICT as EpochConflictError);
 * restores go through the RestoreDriver so nothing out of order reaches the game.
 *
 * Unknown outcomes (DESIGN §3) are retried with bounded attempts and backoff (RetryPolicy): a
 * save always with the same request id, so it commits once or answers `replayed`. A refusal
 * with an ErrorInfo is an answer and is never retried. When the attempts run out the last
 * error is thrown, still `outcomeUnknown`, with the `requestId` to retry with later.
 */
export class PersistdClient {
  readonly #client: TypedClient<typeof PersistenceService>;
  readonly #token: string | undefined;
  readonly #retry: RetryOption | undefined;
  readonly #defaultDeadlineMs: number | undefined;
  #closed = false;

  constructor(address: string, options: PersistdClientOptions = {}) {
    this.#retry = options.retry;
    resolveRetryPolicy(this.#retry); // a bad policy fails here, not at the first failure
    this.#defaultDeadlineMs = options.defaultDeadlineMs;
    this.#client = createClient(PersistenceService, address, { credentials: options.credentials, channelOptions: options.channelOptions });
    this.#token = options.token;
  }

  /**
   * Commits a world snapshot as the next epoch. A missing request id becomes a random UUID. The
   * request is encoded once, when save() is called: every retry sends the same bytes (same
   * request id, same snapshot), and later changes to the snapshot object reach neither.
   */
  save(request: SaveInit, options: CallOptions = {}): Promise<SaveResponse> {
    const requestId = request.requestId || randomUUID();
    const bytes = toBinary(SaveRequestSchema, create(SaveRequestSchema, { ...request, requestId }));
    return this.#unary(options, { requestId }, async () =>
      fromBinary(SaveResponseSchema, await rawUnaryCall(this.#client.grpc, SAVE_PATH, bytes, this.#callOptions(options, 'unaryMs'), this.#metadata(options))),
    );
  }

  /** Runs every save check without committing; violations come back in the response. */
  validate(request: ValidateInit, options: CallOptions = {}): Promise<ValidateResponse> {
    return this.#unary(options, {}, () => this.#client.validate(request, this.#callOptions(options, 'unaryMs'), this.#metadata(options)));
  }

  /** The committed epoch (0: never saved), the retained epochs and the digests of a world. */
  getWorldStatus(worldId: string, options: CallOptions = {}): Promise<GetWorldStatusResponse> {
    return this.#unary(options, {}, () => this.#client.getWorldStatus({ worldId }, this.#callOptions(options, 'unaryMs'), this.#metadata(options)));
  }

  /**
   * Deletes a world whole, only if its committed epoch is still `expectedEpoch` (admin principals
   * only; DESIGN §3). A repeat of a delete that succeeded answers as it did, so an unknown
   * outcome is retried like any other call.
   */
  deleteWorld(worldId: string, expectedEpoch: bigint, options: CallOptions = {}): Promise<DeleteWorldResponse> {
    return this.#unary(options, {}, () => this.#client.deleteWorld({ worldId, expectedEpoch }, this.#callOptions(options, 'unaryMs'), this.#metadata(options)));
  }

  /** The retry policy a call with these options runs under. */
  retryPolicy(options: CallOptions = {}): RetryPolicy {
    return resolveRetryPolicy(this.#retry, options.retry);
  }

  /**
   * Restores a world through a RestoreDriver: handlers called in phase order only, every message
   * checked, the result inactive until `activate()`. Throws PersistdError (the daemon refused)
   * or RestoreRefusedError (the SDK refused the stream; the call is then cancelled).
   */
  restore(worldId: string, options: RestoreOptions, handlers: RestoreHandlers): Promise<RestoredWorld> {
    return new RestoreDriver(handlers, { worldId, epoch: options.epoch }).run(this.restoreStream(worldId, options));
  }

  /**
   * The raw restore stream, unchecked (tools, diagnostics). The call starts when iteration does,
   * errors become PersistdError, and leaving the loop early cancels the call.
   */
  async *restoreStream(worldId: string, options: RestoreOptions = {}): AsyncGenerator<RestoreResponse, void, undefined> {
    // Retried only while nothing has arrived: once a message was handed out, a second stream
    // would hand it out again, so a later failure is thrown as it is.
    const policy = this.retryPolicy(options);
    for (let attempt = 1; ; attempt++) {
      const call = this.#client.restore({ worldId, epoch: options.epoch ?? 0n }, this.#callOptions(options, 'restoreMs'), this.#metadata(options));
      let ended = false;
      let received = 0;
      try {
        for await (const message of call) {
          received++;
          yield message;
        }
        ended = true;
        return;
      } catch (e) {
        ended = true;
        const error = toPersistdError(e, { attempts: attempt }) ?? e;
        if (received > 0 || attempt >= policy.maxAttempts || !isRetryable(error) || this.#closed) throw error;
      } finally {
        if (!ended) cancelQuietly(call);
      }
      await new Promise((resolve) => setTimeout(resolve, backoffMs(policy, attempt)));
    }
  }

  /** Closes the channel; calls in flight fail with CANCELLED and are not retried. */
  close(): void {
    this.#closed = true;
    this.#client.close();
  }

  /** One unary call under the retry policy; each attempt's failure becomes a PersistdError. */
  #unary<T>(options: CallOptions, context: { requestId?: string }, call: () => Promise<T>): Promise<T> {
    return withRetries(
      this.retryPolicy(options),
      async (attempts) => {
        try {
          return await call();
        } catch (e) {
          throw toPersistdError(e, { ...context, attempts }) ?? e;
        }
      },
      () => this.#closed,
    );
  }

  #callOptions(options: CallOptions, kind: keyof typeof DEFAULT_DEADLINES): grpc.CallOptions {
    const ms = options.deadlineMs ?? this.#defaultDeadlineMs ?? DEFAULT_DEADLINES[kind];
    return Number.isFinite(ms) ? { deadline: Date.now() + ms } : {};
  }

  #metadata(options: CallOptions): grpc.Metadata {
    const metadata = new grpc.Metadata();
    if (this.#token !== undefined) metadata.set('authorization', `Bearer ${this.#token}`);
    if (options.metadata) metadata.merge(options.metadata);
    return metadata;
  }
}

/**
 * Cancels a server-streaming call the consumer stopped reading. The CANCELLED status it causes
 * is emitted as an 'error' no one reads any more, so it is swallowed here on purpose.
 */
function cancelQuietly(call: AsyncIterable<unknown>): void {
  const stream = call as Partial<grpc.ClientReadableStream<unknown>>;
  if (typeof stream.cancel !== 'function') return;
  stream.on?.('error', () => undefined);
  stream.cancel();
}
