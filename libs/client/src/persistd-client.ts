import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { create, fromBinary, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import {
  createClient,
  PersistenceService,
  rawUnaryCall,
  SaveChangesRequestSchema,
  SaveRequestSchema,
  SaveResponseSchema,
  type DeleteWorldResponse,
  WorldSnapshotSchema,
  type StateSource,
  type WorldSnapshot,
  type GetWorldStatusResponse,
  type RestoreResponse,
  type SaveResponse,
  type TypedClient,
  type ValidateRequestSchema,
  type ValidateResponse,
} from '@persistd/contract';
import {
  addRecords,
  applyToMemory,
  changesRequest,
  diffSnapshot,
  emptySections,
  NoChangeBaseError,
  SECTIONS,
  trackedChangeSet,
  type SectionKey,
  type SectionMemory,
  type TrackedChanges,
  type WorldMemory,
} from './changes';
import { isEpochConflictError, toPersistdError } from './persistd-error';
import { RestoreDriver } from './restore-driver';
import { backoffMs, isRetryable, resolveRetryPolicy, withRetries, type RetryOption, type RetryPolicy } from './retry-policy';
import type { RestoreHandlers } from './restore-handlers';
import type { RestoredWorld } from './restored-world';

/** The Save and SaveChanges methods' paths (from the descriptor, never written out). */
const SAVE_PATH = `/${PersistenceService.typeName}/${PersistenceService.method.save.name}`;
const SAVE_CHANGES_PATH = `/${PersistenceService.typeName}/${PersistenceService.method.saveChanges.name}`;

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

/**
 * How a save travels. `auto` (default): a `SaveChanges` when the SDK knows what the expected
 * epoch holds and the change set is smaller than the snapshot, else a whole `Save`. `full`:
 * always a `Save`. `changes`: always a `SaveChanges`, or NoChangeBaseError when the SDK does
 * not know the expected epoch (nothing is sent).
 *
 * "Smaller" compares encoded sizes without encoding either request: the canonical bytes of the
 * records the change set carries (upserts, plus the deleted ids) against those of every record
 * of the snapshot. Both are known from the one digest pass the memory needs anyway, and bytes,
 * unlike record counts, also weigh a few big records against many small ones.
 */
export type SaveMode = 'auto' | 'full' | 'changes';

/** Options of a save: how it travels, plus call options. */
export interface SaveOptions extends CallOptions {
  mode?: SaveMode;
}

/** What a save sent, so a game server can log what each save carried. */
export interface SaveSent {
  rpc: 'Save' | 'SaveChanges';
  requestId: string;
  /** Records carried: every record of a Save; upserts plus deletes of a SaveChanges. */
  records: number;
  /** Records the world holds after the save. */
  worldRecords: number;
  /** Encoded request bytes (sent once; a retry resends the same bytes). */
  requestBytes: number;
}

/** The daemon's answer and what was sent to get it. */
export type SaveResult = SaveResponse & { readonly sent: SaveSent };

/** Changes a game server tracked itself, sent as one `SaveChanges` from the epoch it names. */
export interface SaveChangesInit {
  worldId: string;
  /** The committed epoch the changes apply to; the SDK must know it (saved or restored it). */
  expectedEpoch: bigint;
  requestId?: string;
  source: StateSource;
  /** The world's content version after the change; the known one when absent. */
  contentVersion?: string;
  changes: TrackedChanges;
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
  /** Per world, what the SDK knows for certain its committed epoch holds (digests, not records). */
  readonly #memory = new Map<string, WorldMemory>();
  #closed = false;

  constructor(address: string, options: PersistdClientOptions = {}) {
    this.#retry = options.retry;
    resolveRetryPolicy(this.#retry); // a bad policy fails here, not at the first failure
    this.#defaultDeadlineMs = options.defaultDeadlineMs;
    this.#client = createClient(PersistenceService, address, { credentials: options.credentials, channelOptions: options.channelOptions });
    this.#token = options.token;
  }

  /**
   * Commits a world snapshot as the next epoch, whole or as a change set (`options.mode`). A
   * missing request id becomes a random UUID. The request is encoded once, when save() is
   * called: every retry sends the same bytes (same request id, same content), and later changes
   * to the snapshot object reach neither.
   *
   * The SDK never chooses the epoch: it saves at the caller's `expectedEpoch`, and sends a change
   * set only against an epoch it knows for certain. After EPOCH_CONFLICT it forgets the world,
   * so the next save goes whole (and is refused again if still stale) until a save or a restore
   * teaches it an epoch again.
   */
  async save(request: SaveInit, options: SaveOptions = {}): Promise<SaveResult> {
    const requestId = request.requestId || randomUUID();
    const worldId = request.worldId ?? '';
    const expectedEpoch = request.expectedEpoch ?? 0n;
    const mode = options.mode ?? 'auto';
    const snapshot = request.snapshot === undefined ? undefined : create(WorldSnapshotSchema, request.snapshot);
    const known = this.#memory.get(worldId);
    const base = mode !== 'full' && known?.epoch === expectedEpoch && snapshot && stampsAgree(snapshot, worldId, expectedEpoch, known) ? known : undefined;
    const diff = snapshot && diffSnapshot(snapshot, base);
    const changes = diff?.changes;
    if (mode === 'changes' && !changes) throw new NoChangeBaseError(worldId, expectedEpoch, known?.epoch);

    let rpc: SaveSent['rpc'];
    let bytes: Uint8Array;
    let records: number;
    if (changes && (mode === 'changes' || changes.bytes < diff.snapshotBytes)) {
      rpc = 'SaveChanges';
      const header = { worldId, expectedEpoch, requestId, source: request.source ?? 0, schemaVersion: snapshot!.schemaVersion, contentVersion: snapshot!.world!.contentVersion };
      bytes = toBinary(SaveChangesRequestSchema, changesRequest(header, changes.sections));
      records = changes.records;
    } else {
      rpc = 'Save';
      bytes = toBinary(SaveRequestSchema, create(SaveRequestSchema, { ...request, requestId }));
      records = diff?.snapshotRecords ?? 0;
    }
    const sent: SaveSent = { rpc, requestId, records, worldRecords: diff?.snapshotRecords ?? 0, requestBytes: bytes.length };
    const response = await this.#send(worldId, rpc === 'Save' ? SAVE_PATH : SAVE_CHANGES_PATH, bytes, requestId, options);
    if (diff && snapshot) {
      this.#remember(worldId, response.committedEpoch, snapshot.schemaVersion, snapshot.world!.contentVersion, diff.next);
    }
    return Object.assign(response, { sent });
  }

  /**
   * Sends changes the game server tracked itself as one `SaveChanges` from `expectedEpoch`,
   * which the SDK must know (NoChangeBaseError otherwise; nothing is sent). Expectations the
   * game server gives per section are sent as they are; the others are derived from the SDK's
   * memory and the changes, in O(change). Retries resend the same bytes, as save() does.
   */
  async saveChanges(request: SaveChangesInit, options: CallOptions = {}): Promise<SaveResult> {
    const requestId = request.requestId || randomUUID();
    const base = this.#memory.get(request.worldId);
    if (base?.epoch !== request.expectedEpoch) throw new NoChangeBaseError(request.worldId, request.expectedEpoch, base?.epoch);
    const { sections, records } = trackedChangeSet(base, request.changes);
    const contentVersion = request.contentVersion ?? base.contentVersion;
    const header = { worldId: request.worldId, expectedEpoch: request.expectedEpoch, requestId, source: request.source, schemaVersion: base.schemaVersion, contentVersion };
    const bytes = toBinary(SaveChangesRequestSchema, changesRequest(header, sections));
    const response = await this.#send(request.worldId, SAVE_CHANGES_PATH, bytes, requestId, options);
    // The daemon checked the result against the expectations, so base + changes is what it holds.
    applyToMemory(base, sections);
    this.#remember(request.worldId, response.committedEpoch, base.schemaVersion, contentVersion, base.sections);
    const worldRecords = SECTIONS.reduce((n, s) => n + base.sections[s.key].digests.size, 0);
    return Object.assign(response, { sent: { rpc: 'SaveChanges' as const, requestId, records, worldRecords, requestBytes: bytes.length } });
  }

  /** The epoch of a world the SDK knows for certain (from its last save or restore), if any. */
  knownEpoch(worldId: string): bigint | undefined {
    return this.#memory.get(worldId)?.epoch;
  }

  /** Forgets what the SDK knows of a world: its next save goes whole. */
  forget(worldId: string): void {
    this.#memory.delete(worldId);
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
  async restore(worldId: string, options: RestoreOptions, handlers: RestoreHandlers): Promise<RestoredWorld> {
    // Records are digested before the game's handler sees (and may change) them; the memory
    // replaces the old one only once the driver vouched for the whole restore.
    const staged = emptySections();
    const digest = (key: SectionKey, records: unknown[]) => addRecords(SECTIONS.find((s) => s.key === key)!, staged[key], records);
    const wrapped: RestoreHandlers = {
      player: (s, c) => (digest('players', s.players), handlers.player(s, c)),
      world: (s, c) => (digest('world', s.zones), handlers.world(s, c)),
      npc: (s, c) => (digest('npcs', s.npcs), handlers.npc(s, c)),
      item: (s, c) => (digest('items', s.items), handlers.item(s, c)),
      quest: (s, c) => (digest('quests', s.quests), handlers.quest(s, c)),
    };
    const world = await new RestoreDriver(wrapped, { worldId, epoch: options.epoch }).run(this.restoreStream(worldId, options));
    this.#remember(worldId, world.epoch, world.schemaVersion, world.contentVersion, staged);
    return world;
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
      await sleep(backoffMs(policy, attempt));
    }
  }

  /** Closes the channel; calls in flight fail with CANCELLED and are not retried. */
  close(): void {
    this.#closed = true;
    this.#client.close();
  }

  /**
   * Sends encoded save bytes under the retry policy (the same bytes every attempt). An
   * EPOCH_CONFLICT means the SDK's memory of the world is stale: it is dropped.
   */
  async #send(worldId: string, path: string, bytes: Uint8Array, requestId: string, options: CallOptions): Promise<SaveResponse> {
    try {
      return await this.#unary(options, { requestId }, async () =>
        fromBinary(SaveResponseSchema, await rawUnaryCall(this.#client.grpc, path, bytes, this.#callOptions(options, 'unaryMs'), this.#metadata(options))),
      );
    } catch (e) {
      if (isEpochConflictError(e)) this.#memory.delete(worldId);
      throw e;
    }
  }

  #remember(worldId: string, epoch: bigint, schemaVersion: number, contentVersion: string, sections: Record<SectionKey, SectionMemory>): void {
    this.#memory.set(worldId, { worldId, epoch, schemaVersion, contentVersion, sections });
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
 * Whether a snapshot is stamped as a change set would be stamped (every section at the expected
 * epoch and the snapshot's schema version, the base's schema, the world section naming the
 * world). A snapshot that is not goes whole, so the daemon's refusal names its fault exactly.
 */
function stampsAgree(snapshot: WorldSnapshot, worldId: string, expectedEpoch: bigint, base: WorldMemory): boolean {
  if (expectedEpoch === 0n || snapshot.schemaVersion !== base.schemaVersion || snapshot.world?.worldId !== worldId) return false;
  return SECTIONS.every(({ key }) => {
    const section = snapshot[key];
    return section !== undefined && section.sourceEpoch === expectedEpoch && section.schemaVersion === snapshot.schemaVersion;
  });
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
