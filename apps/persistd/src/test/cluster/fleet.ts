/**
 * Test-only: several in-process persistd instances sharing one local Redis Cluster and one key
 * prefix (as instances behind a load balancer would), plus what a test needs to judge them: a
 * store of its own to read the history back, a cluster client, and world ids picked by slot.
 */
import { RedisStore, worldKeys, worldSlot } from '@persistd/store-redis';
import { checkHistory, startRedisCluster, uniquePrefix, type ClusterMaster, type LocalRedisCluster, type OpRecord } from '@persistd/testkit';
import type { Cluster } from 'ioredis';
import { startTestDaemon, type TestDaemon } from '../test-daemon';
import { clusterClient } from './topology';
import { storedHistory } from './world-load';

/** Epochs kept per world in these tests: the whole history stays readable for the checker. */
export const HISTORY_RETENTION = 1000;

export class Fleet {
  readonly prefix = uniquePrefix('fleet');
  readonly daemons: TestDaemon[] = [];
  private reader?: RedisStore;
  private client?: Cluster;

  private constructor(readonly cluster: LocalRedisCluster) {}

  static async start(): Promise<Fleet> {
    return new Fleet(await startRedisCluster());
  }

  /** Starts `n` more daemons on the cluster (same prefix); `env` adds settings. */
  async addDaemons(n: number, env: Record<string, string> = {}): Promise<TestDaemon[]> {
    const started: TestDaemon[] = [];
    for (let i = 0; i < n; i++) {
      started.push(await startTestDaemon({ PERSISTD_REDIS_CLUSTER: this.cluster.seeds.join(','), PERSISTD_KEY_PREFIX: this.prefix, PERSISTD_RETENTION: String(HISTORY_RETENTION), ...env }));
    }
    this.daemons.push(...started);
    return started;
  }

  async stopDaemons(list: readonly TestDaemon[] = this.daemons): Promise<void> {
    const targets = [...list];
    await Promise.all(targets.map((d) => d.stop()));
    for (const d of targets) this.daemons.splice(this.daemons.indexOf(d), 1);
  }

  /** Checks a world's history: the writers' calls against what the cluster holds now. */
  async check(worldId: string, ops: readonly OpRecord[], options: { allowLostAcks?: boolean } = {}): Promise<HistoryVerdict> {
    this.reader ??= new RedisStore({
      redis: { url: 'redis://unused:1', clusterSeeds: this.cluster.seeds },
      settings: { prefix: this.prefix, retention: HISTORY_RETENTION, requestTtlSeconds: 86_400, stageTtlSeconds: 600 },
    });
    this.client ??= clusterClient(this.cluster);
    const client = this.client;
    const world = await storedHistory(this.reader, worldId, async (e) => (await client.exists(worldKeys(this.prefix, worldId).meta(e))) === 1);
    const result = checkHistory(ops, { retention: HISTORY_RETENTION, worlds: [world] }, [], options);
    return {
      violations: result.violations.map((v) => `${v.kind}: ${v.message}`),
      lostAcks: result.lostAcks,
      committedEpochs: Number(world.pointer),
      acknowledged: new Set(ops.filter((o) => o.outcome.kind === 'acknowledged').map((o) => o.requestId)).size,
      unknown: result.resolution.committed + result.resolution.notCommitted + result.resolution.unresolved,
      unknownCommitted: result.resolution.committed,
    };
  }

  /** A world id whose slot is the lowest slot of `master` (so `--cluster reshard` of its first slots moves it). */
  hotWorldOf(master: ClusterMaster, label = 'hot'): string {
    const slot = master.ranges[0]![0];
    for (let i = 0; i < 1_000_000; i++) if (worldSlot(`${label}-${i}`) === slot) return `${label}-${i}`;
    throw new Error(`no world id for slot ${slot}`);
  }

  async stop(): Promise<void> {
    await this.stopDaemons();
    await this.reader?.close();
    this.client?.disconnect();
    await this.cluster.stop();
  }
}

/** A world's history judged: violations as `kind: message`, and the counts the test log shows. */
export interface HistoryVerdict {
  violations: string[];
  /** Acknowledged saves found in no epoch (only when allowed). */
  lostAcks: OpRecord[];
  committedEpochs: number;
  /** Requests acknowledged. */
  acknowledged: number;
  /** Requests with an unknown outcome, and how many of them turned out committed. */
  unknown: number;
  unknownCommitted: number;
}

/** One line per verdict for the test log. */
export function describeVerdict(label: string, v: HistoryVerdict): string {
  return `${label}: ${v.committedEpochs} epochs, ${v.acknowledged} acknowledged, ${v.unknown} unknown (${v.unknownCommitted} of them committed), ${v.lostAcks.length} acknowledged saves lost, ${v.violations.length} violations`;
}
