/**
 * Test-only: writers racing on one world through one or more daemons, the way game servers
 * would — read the committed epoch, save the next snapshot, on EPOCH_CONFLICT start over, on an
 * unknown outcome retry with the same request id (DESIGN §3 "Errors") — recording every
 * operation for the history checker; and the store's side of the history, read at the end.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { clone } from '@bufbuild/protobuf';
import { fromServiceError, WorldSnapshotSchema, type PersistenceService, type TypedClient } from '@persistd/contract';
import { isStoreError, type RedisStore } from '@persistd/store-redis';
import { generateWorld } from '@persistd/testkit';
import { prepareEpoch, verifyStoredEpoch } from '@persistd/validation';
import { saveRequest } from '../test-daemon';
import type { Operation, StoredEpochFacts } from './history-checker';

type Client = TypedClient<typeof PersistenceService>;

export interface WorldLoadOptions {
  worldId: string;
  /** One client per daemon; writer i uses clients[i % clients.length]. */
  clients: Client[];
  writers: number;
  /** Hard bound on each writer's operations. */
  maxOpsPerWriter?: number;
  /** Tries of one request id before its outcome is left unknown (default 80, 100 ms apart). */
  triesPerOp?: number;
}

/** A running load; `stop` ends it and returns every operation. */
export class WorldLoad {
  readonly ops: Operation[] = [];
  private stopping = false;
  private readonly runs: Array<Promise<void>>;
  private readonly label = Math.random().toString(36).slice(2, 8);

  constructor(private readonly options: WorldLoadOptions) {
    this.runs = Array.from({ length: options.writers }, (_, i) => this.writer(i));
  }

  /** Acknowledged, not replayed: commits this load made. */
  commits(): number {
    return this.ops.filter((o) => o.outcome === 'ok' && !o.ack?.replayed).length;
  }

  /** Resolves once `n` more commits than now were acknowledged; rejects after `timeoutMs`. */
  async moreCommits(n: number, timeoutMs = 30_000): Promise<void> {
    const target = this.commits() + n;
    const until = Date.now() + timeoutMs;
    while (this.commits() < target) {
      if (Date.now() > until) throw new Error(`only ${this.commits()} of ${target} commits within ${timeoutMs} ms`);
      await sleep(20);
    }
  }

  async stop(): Promise<Operation[]> {
    this.stopping = true;
    await Promise.all(this.runs);
    return this.ops;
  }

  private async writer(index: number): Promise<void> {
    const { worldId, clients } = this.options;
    const client = clients[index % clients.length]!;
    for (let n = 0; n < (this.options.maxOpsPerWriter ?? 1000) && !this.stopping; n++) {
      const expected = await this.committedEpoch(client);
      if (expected === undefined) return;
      const snapshot = generateWorld({ worldId, players: 3, zones: 3, npcs: 3, items: 6, quests: 2, epoch: expected, seed: index * 100_000 + n + 1 });
      const requestId = `${this.label}-w${index}-${n}`;
      const contentDigest = prepareEpoch(clone(WorldSnapshotSchema, snapshot), { worldId, requestId, principal: 'x', committedAtMs: 0n }).contentDigest;
      const op: Operation = { requestId, expectedEpoch: expected, contentDigest, outcome: 'not-applied' };
      this.ops.push(op);
      await this.send(client, op, saveRequest(worldId, snapshot, expected, requestId));
    }
  }

  /** The committed epoch, read again until a daemon answers (or the load stops). */
  private async committedEpoch(client: Client): Promise<bigint | undefined> {
    while (!this.stopping) {
      try {
        return (await client.getWorldStatus({ worldId: this.options.worldId }, { deadline: Date.now() + 5000 })).committedEpoch;
      } catch {
        await sleep(100);
      }
    }
    return undefined;
  }

  /** One operation: the same request until a definitive answer, or `triesPerOp` tries. */
  private async send(client: Client, op: Operation, request: ReturnType<typeof saveRequest>): Promise<void> {
    let maybeApplied = false;
    for (let attempt = 0; attempt < (this.options.triesPerOp ?? 80); attempt++) {
      try {
        const res = await client.save(request, { deadline: Date.now() + 10_000 });
        op.outcome = 'ok';
        op.ack = { epoch: res.committedEpoch, digest: res.digest, contentDigest: res.contentDigest, replayed: res.replayed };
        return;
      } catch (e) {
        const reason = fromServiceError(e as Parameters<typeof fromServiceError>[0])?.reason;
        if (reason === 'EPOCH_CONFLICT') {
          op.outcome = maybeApplied ? 'unknown' : 'conflict';
          return;
        }
        if (reason === undefined || reason === 'COMMIT_OUTCOME_UNKNOWN') maybeApplied = true;
        else if (reason !== 'STORE_UNAVAILABLE') {
          op.outcome = maybeApplied ? 'unknown' : 'not-applied';
          return;
        }
        op.outcome = maybeApplied ? 'unknown' : 'not-applied';
        await sleep(100);
      }
    }
  }
}

/** The store's side of a world's history: every epoch 1..pointer, verified, and whether anything sits above the pointer. */
export async function storedHistory(
  store: RedisStore,
  worldId: string,
  metaExists: (epoch: bigint) => Promise<boolean>,
): Promise<{ pointer: bigint; epochs: Map<bigint, StoredEpochFacts | string>; above: boolean }> {
  const pointer = await store.readCommittedEpoch(worldId);
  const epochs = new Map<bigint, StoredEpochFacts | string>();
  for (let e = 1n; e <= pointer; e++) {
    try {
      const s = await store.readEpoch(worldId, e);
      const finding = verifyStoredEpoch(s, 'digest');
      epochs.set(e, { epoch: s.meta.epoch, requestId: s.meta.requestId, contentDigest: s.meta.contentDigest, digest: s.meta.digest, ...(finding ? { damage: `${finding.code}: ${finding.message}` } : {}) });
    } catch (err) {
      if (!isStoreError(err)) throw err;
      epochs.set(e, `${err.code}: ${err.message}`);
    }
  }
  return { pointer, epochs, above: await metaExists(pointer + 1n) };
}
