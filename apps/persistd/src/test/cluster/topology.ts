/**
 * Test-only: the two Redis topologies the daemon runs on — the shared standalone test Redis
 * (127.0.0.1:6379, a key prefix of one's own) and a local Redis Cluster of the test's own — behind
 * one interface, so one suite runs unchanged on both. `Inspector` is how a test looks at what was
 * stored: on a cluster, keys are listed master by master and read through the cluster client.
 */
import { startRedisCluster, testRedis, type LocalRedisCluster } from '@persistd/testkit';
import Redis, { Cluster } from 'ioredis';
import { startTestDaemon, type TestDaemon } from '../test-daemon';

/** Read access to what a daemon stored, whatever the topology. */
export interface Inspector {
  /** Keys starting with `prefix` (sorted). */
  keys(prefix: string): Promise<string[]>;
  getBuffer(key: string): Promise<Buffer | null>;
  ttl(key: string): Promise<number>;
  strlen(key: string): Promise<number>;
  /** Every key under the prefix with its value and whether it expires: to prove nothing changed. */
  dump(prefix: string): Promise<Record<string, string>>;
  /** Bytes Redis uses for each key under the prefix (MEMORY USAGE), summed. */
  memory(prefix: string): Promise<number>;
  close(): Promise<void>;
}

/** One topology of a parametrized suite. */
export interface Topology {
  readonly name: 'standalone' | 'cluster';
  /** Starts what the topology needs (the cluster); once per spec file. */
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  /** Settings that point a daemon at this topology. */
  env(): Record<string, string>;
  /** An in-process daemon on this topology (its own key prefix). */
  daemon(env?: Record<string, string>): Promise<TestDaemon>;
  inspector(): Inspector;
  /** The cluster, for the cluster topology. */
  readonly cluster?: LocalRedisCluster;
}

async function scanAll(nodes: Redis[], prefix: string): Promise<string[]> {
  const out: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      out.push(...keys);
    } while (cursor !== '0');
  }
  return out.sort();
}

/** Resolves once the client is ready (a cluster client knows its masters only then). */
async function ready(client: Redis | Cluster): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`client not ready: ${client.status}`)), 10_000);
    client.once('ready', () => (clearTimeout(timer), resolve()));
  });
}

function inspectorOf(client: Redis | Cluster, masters: () => Redis[]): Inspector {
  const self: Inspector = {
    keys: async (prefix) => {
      await ready(client);
      return scanAll(masters(), prefix);
    },
    getBuffer: (key) => client.getBuffer(key),
    ttl: (key) => client.ttl(key),
    strlen: (key) => client.strlen(key),
    async dump(prefix) {
      const out: Record<string, string> = {};
      for (const k of await self.keys(`${prefix}:`)) {
        const [v, ttl] = await Promise.all([client.getBuffer(k), client.ttl(k)]);
        out[k] = `${v?.toString('hex')}|${ttl < 0 ? 'persist' : 'expires'}`;
      }
      return out;
    },
    async memory(prefix) {
      let total = 0;
      for (const k of await self.keys(prefix)) total += Number(await client.call('MEMORY', 'USAGE', k, 'SAMPLES', '0'));
      return total;
    },
    async close() {
      client.disconnect();
    },
  };
  return self;
}

/** The shared test Redis, a prefix per daemon. */
export function standaloneTopology(): Topology {
  return {
    name: 'standalone',
    setUp: async () => undefined,
    tearDown: async () => undefined,
    env: () => ({}),
    daemon: (env = {}) => startTestDaemon(env),
    inspector() {
      const r = testRedis();
      return inspectorOf(r, () => [r]);
    },
  };
}

/** A local cluster of 3 masters and 3 replicas, started in setUp. */
export function clusterTopology(): Topology & { cluster: LocalRedisCluster } {
  let cluster: LocalRedisCluster | undefined;
  const seeds = () => cluster!.seeds.join(',');
  const clients: Cluster[] = [];
  const topology = {
    name: 'cluster' as const,
    get cluster() {
      if (!cluster) throw new Error('cluster topology not set up');
      return cluster;
    },
    async setUp() {
      cluster = await startRedisCluster();
    },
    async tearDown() {
      for (const c of clients.splice(0)) c.disconnect();
      await cluster?.stop();
    },
    env: () => ({ PERSISTD_REDIS_CLUSTER: seeds() }),
    daemon: (env: Record<string, string> = {}) => startTestDaemon({ PERSISTD_REDIS_CLUSTER: seeds(), ...env }),
    inspector() {
      const c = clusterClient(cluster!);
      clients.push(c);
      return inspectorOf(c, () => c.nodes('master'));
    },
  };
  return topology;
}

/** A plain ioredis Cluster client for a test to look at the cluster. */
export function clusterClient(cluster: LocalRedisCluster): Cluster {
  const c = new Cluster(
    cluster.seeds.map((s) => ({ host: '127.0.0.1', port: Number(s.split(':')[1]) })),
    { scaleReads: 'master', maxRedirections: 32, retryDelayOnFailover: 200, retryDelayOnClusterDown: 200 },
  );
  c.on('error', () => undefined);
  return c;
}
