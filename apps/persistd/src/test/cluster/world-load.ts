/**
 * Test-only: writers racing on one world through one or more daemons, the way game servers
 * would — read the committed epoch, save the next snapshot, on EPOCH_CONFLICT start over, on an
 * unknown outcome retry with the same request id (DESIGN §3 "Errors") — recording every
 * call for the test kit's history checker; and the store's side of the history, read at the end.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { clone } from '@bufbuild/protobuf';
import { WorldSnapshotSchema, type PersistenceService, type TypedClient } from '@persistd/contract';
import type { RedisStore } from '@persistd/store-redis';
import { acknowledged, generateWorld, HistoryRecorder, type ObservedEpoch, type ObservedWorld, type OpRecord, outcomeOfError } from '@persistd/testkit';
import { prepareEpoch, verifyStoredEpoch } from '@persistd/validation';
import { saveRequest } from '../test-daemon';

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

/** A running load; `stop` ends it and returns every call made. */
export class WorldLoad {
  private readonly recorder = new HistoryRecorder();
  private stopping = false;
  private readonly runs: Array<Promise<void>>;
  private readonly label = Math.random().toString(36).slice(2, 8);

  constructor(private readonly options: WorldLoadOptions) {
    this.runs = Array.from({ length: options.writers }, (_, i) => this.writer(i));
  }

  /** Every Save call so far, one record per try. */
  get ops(): readonly OpRecord[] {
    return this.recorder.ops;
  }

  /** Acknowledged, not replayed: commits this load made. */
  commits(): number {
    return this.recorder.ops.filter((o) => o.outcome.kind === 'acknowledged' && !o.outcome.replayed).length;
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

  async stop(): Promise<OpRecord[]> {
    this.stopping = true;
    await Promise.all(this.runs);
    return this.recorder.ops;
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
      await this.send(client, { world: worldId, requestId, expectedEpoch: expected, contentDigest }, saveRequest(worldId, snapshot, expected, requestId));
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

  /**
   * One request: tried again while the answer leaves it unapplied for now (STORE_UNAVAILABLE) or
   * its outcome unknown, until a definitive answer or `triesPerOp` tries.
   */
  private async send(client: Client, intent: Parameters<HistoryRecorder['begin']>[0], request: ReturnType<typeof saveRequest>): Promise<void> {
    for (let attempt = 0; attempt < (this.options.triesPerOp ?? 80); attempt++) {
      const done = this.recorder.begin(intent);
      try {
        done(acknowledged(await client.save(request, { deadline: Date.now() + 10_000 })));
        return;
      } catch (e) {
        const outcome = done(outcomeOfError(e)).outcome;
        if (outcome.kind === 'refused' && outcome.code !== 'STORE_UNAVAILABLE') return;
        await sleep(100);
      }
    }
  }
}

/**
 * The store's side of a world's history, as the checker reads it: the pointer, every retained
 * epoch's meta verified (digests), and whether anything sits above the pointer. Request records
 * and restores are not read: the cluster suites judge the commits, not the read path.
 */
export async function storedHistory(store: RedisStore, worldId: string, metaExists: (epoch: bigint) => Promise<boolean>): Promise<ObservedWorld> {
  const pointer = await store.readCommittedEpoch(worldId);
  const retained = await store.retainedEpochs(worldId);
  const epochs: ObservedEpoch[] = [];
  for (const epoch of retained) {
    const e: ObservedEpoch = { epoch };
    try {
      const s = await store.readEpoch(worldId, epoch);
      const m = s.meta;
      e.meta = { epoch: m.epoch, worldId: m.worldId, requestId: m.requestId, digest: m.digest, contentDigest: m.contentDigest };
      const finding = verifyStoredEpoch(s, 'digest');
      if (finding) e.damage = `${finding.code}: ${finding.message}`;
    } catch (err) {
      e.damage = `read failed: ${err instanceof Error ? err.message : String(err)}`;
    }
    epochs.push(e);
  }
  return { world: worldId, pointer, retained, metaAbovePointer: await metaExists(pointer + 1n), epochs, requests: {} };
}
