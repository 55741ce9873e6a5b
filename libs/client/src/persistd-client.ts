import { randomUUID } from 'node:crypto';
import type { MessageInitShape } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import {
  createClient,
  PersistenceService,
  type GetWorldStatusResponse,
  type RestoreResponse,
  type SaveRequestSchema,
  type SaveResponse,
  type TypedClient,
  type ValidateRequestSchema,
  type ValidateResponse,
} from '@persistd/contract';
import { toPersistdError } from './persistd-error';
import { RestoreDriver } from './restore-driver';
import type { RestoreHandlers } from './restore-handlers';
import type { RestoredWorld } from './restored-world';

/** How to reach the daemon. */
export interface PersistdClientOptions {
  /** Channel credentials; insecure (loopback deployments) when absent. */
  credentials?: grpc.ChannelCredentials;
  channelOptions?: grpc.ChannelOptions;
  /** Sent as `authorization: Bearer <token>` on every call (deployments with PERSISTD_TOKENS_FILE). */
  token?: string;
}

/** Per-call options. */
export interface CallOptions {
  /** Milliseconds from now until the call is abandoned (DEADLINE_EXCEEDED, outcome unknown). */
  deadlineMs?: number;
  /** Extra request metadata, merged over the client's own. */
  metadata?: grpc.Metadata;
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
 * §4 reason, metadata, violations, `outcomeUnknown`); restores go through the RestoreDriver so
 * nothing out of order reaches the game. No retries here: a save whose outcome is unknown is
 * retried by the caller with the error's `requestId`.
 */
export class PersistdClient {
  readonly #client: TypedClient<typeof PersistenceService>;
  readonly #token: string | undefined;

  constructor(address: string, options: PersistdClientOptions = {}) {
    this.#client = createClient(PersistenceService, address, { credentials: options.credentials, channelOptions: options.channelOptions });
    this.#token = options.token;
  }

  /** Commits a world snapshot as the next epoch. A missing request id becomes a random UUID. */
  async save(request: SaveInit, options: CallOptions = {}): Promise<SaveResponse> {
    const requestId = request.requestId || randomUUID();
    try {
      return await this.#client.save({ ...request, requestId }, this.#callOptions(options), this.#metadata(options));
    } catch (e) {
      throw toPersistdError(e, { requestId }) ?? e;
    }
  }

  /** Runs every save check without committing; violations come back in the response. */
  async validate(request: ValidateInit, options: CallOptions = {}): Promise<ValidateResponse> {
    try {
      return await this.#client.validate(request, this.#callOptions(options), this.#metadata(options));
    } catch (e) {
      throw toPersistdError(e) ?? e;
    }
  }

  /** The committed epoch (0: never saved), the retained epochs and the digests of a world. */
  async getWorldStatus(worldId: string, options: CallOptions = {}): Promise<GetWorldStatusResponse> {
    try {
      return await this.#client.getWorldStatus({ worldId }, this.#callOptions(options), this.#metadata(options));
    } catch (e) {
      throw toPersistdError(e) ?? e;
    }
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
    const call = this.#client.restore({ worldId, epoch: options.epoch ?? 0n }, this.#callOptions(options), this.#metadata(options));
    let ended = false;
    try {
      for await (const message of call) yield message;
      ended = true;
    } catch (e) {
      ended = true;
      throw toPersistdError(e) ?? e;
    } finally {
      if (!ended) cancelQuietly(call);
    }
  }

  /** Closes the channel; calls in flight fail with CANCELLED. */
  close(): void {
    this.#client.close();
  }

  #callOptions(options: CallOptions): grpc.CallOptions {
    return options.deadlineMs === undefined ? {} : { deadline: Date.now() + options.deadlineMs };
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
