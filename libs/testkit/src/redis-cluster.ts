import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { launchRedisServer } from '@persistd/redis-process';
import { freePort } from './redis-server';

/**
 * A real Redis Cluster of its own for tests (DESIGN §5 "Redis Cluster"): `masters` masters with
 * `replicasPerMaster` replicas each, one `redis-server` process per node on free loopback ports
 * (client port and cluster bus port both picked free, `--cluster-port`), each in its own
 * directory under one temporary directory, with AOF fsynced on every write and RDB off. Created
 * with `redis-cli --cluster create … --cluster-replicas N --cluster-yes`, and not handed out
 * before every node says `cluster_state:ok`, agrees on every slot's master, and (with replicas)
 * every replica's link is up. Never the shared test Redis.
 *
 * The helpers drive what a cluster does in production — `redis-cli --cluster reshard`, a slot
 * migration step by step, `CLUSTER FAILOVER` on a replica, a master killed with SIGKILL and
 * started again — and each waits until the cluster has settled again.
 */

/** One node as this cluster started it. */
export interface ClusterNode {
  /** `127.0.0.1:<port>`: the address clients and CLUSTER SLOTS use. */
  readonly addr: string;
  readonly port: number;
  readonly busPort: number;
  readonly dir: string;
  /** The node id (CLUSTER MYID); fixed for the node's life (kept in its nodes.conf across restarts). */
  id: string;
  /** The running process, or undefined while killed. */
  process: ChildProcess | undefined;
  /** Everything the server printed since its last start. */
  output(): string;
}

/** A master of the settled topology and what it serves. */
export interface ClusterMaster {
  id: string;
  addr: string;
  /** Inclusive slot ranges, ascending. */
  ranges: Array<[number, number]>;
  /** Addresses of its replicas (as CLUSTER SLOTS lists them). */
  replicas: string[];
}

export interface LocalRedisClusterOptions {
  masters?: number;
  replicasPerMaster?: number;
  /** `cluster-node-timeout` in ms (default 2000): how long a silent master takes to be failed over. */
  nodeTimeoutMs?: number;
  /** Extra redis-server arguments for every node. */
  args?: string[];
}

/** What a settle wait requires beyond `cluster_state:ok` and slot agreement. */
export interface SettleOptions {
  /** Every master has at least this many replicas with their link up (default: as created). */
  replicas?: number;
  /** Give up after this many ms (default 30000). */
  timeoutMs?: number;
}

const REDIS_SERVER = () => process.env.REDIS_SERVER ?? '/usr/bin/redis-server';
const REDIS_CLI = () => process.env.REDIS_CLI ?? '/usr/bin/redis-cli';

/** A short-lived admin connection: no retries, no queue, closed after `body`. */
async function withNode<T>(addr: string, body: (c: Redis) => Promise<T>): Promise<T> {
  const [host, port] = splitAddr(addr);
  const c = new Redis({ host, port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false, connectTimeout: 1000, commandTimeout: 5000 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return await body(c);
  } finally {
    c.disconnect();
  }
}

/** Sends one command to a node and returns its reply. */
export function nodeCall(addr: string, ...args: Array<string | number>): Promise<unknown> {
  return withNode(addr, (c) => c.call(String(args[0]), ...args.slice(1).map(String)));
}

function splitAddr(addr: string): [string, number] {
  const at = addr.lastIndexOf(':');
  return [addr.slice(0, at), Number(addr.slice(at + 1))];
}

/** CLUSTER SLOTS as a slot → master address map, in ranges; replicas per master. */
function parseSlots(reply: unknown): ClusterMaster[] {
  const byAddr = new Map<string, ClusterMaster>();
  for (const entry of reply as unknown[][]) {
    const [start, end, master, ...replicas] = entry as [number, number, [string, number, string], ...Array<[string, number, string]>];
    const addr = `${master[0]}:${master[1]}`;
    const m = byAddr.get(addr) ?? { id: master[2], addr, ranges: [], replicas: replicas.map((r) => `${r[0]}:${r[1]}`).sort() };
    m.ranges.push([Number(start), Number(end)]);
    byAddr.set(addr, m);
  }
  const masters = [...byAddr.values()];
  for (const m of masters) m.ranges.sort((a, b) => a[0] - b[0]);
  return masters.sort((a, b) => a.ranges[0]![0] - b.ranges[0]![0]);
}

const slotCount = (ms: ClusterMaster[]) => ms.reduce((n, m) => n + m.ranges.reduce((k, [a, b]) => k + b - a + 1, 0), 0);

/** A running local cluster; see the module comment. */
export class LocalRedisCluster {
  /** Everything redis-cli printed, for failure messages. */
  log = '';
  /** First slot each killed master served, to follow its failover. */
  private readonly servedBeforeKill = new Map<string, number>();

  private constructor(
    readonly root: string,
    readonly nodes: ClusterNode[],
    private readonly args: string[],
    readonly replicasPerMaster: number,
  ) {}

  /** Starts the nodes, creates the cluster and waits until it has settled. */
  static async start(options: LocalRedisClusterOptions = {}): Promise<LocalRedisCluster> {
    const masters = options.masters ?? 3;
    const replicas = options.replicasPerMaster ?? 1;
    const root = mkdtempSync(join(tmpdir(), 'persistd-cluster-'));
    const args = ['--cluster-node-timeout', String(options.nodeTimeoutMs ?? 2000), ...(options.args ?? [])];
    const used = new Set<number>();
    const pick = async () => {
      for (;;) {
        const p = await freePort();
        if (!used.has(p)) return used.add(p), p;
      }
    };
    const nodes: ClusterNode[] = [];
    for (let i = 0; i < masters * (1 + replicas); i++) {
      const port = await pick();
      const busPort = await pick();
      const dir = join(root, `node-${port}`);
      mkdirSync(dir);
      nodes.push({ addr: `127.0.0.1:${port}`, port, busPort, dir, id: '', process: undefined, output: () => '' });
    }
    const cluster = new LocalRedisCluster(root, nodes, args, replicas);
    try {
      await Promise.all(nodes.map((n) => cluster.launch(n)));
      for (const n of nodes) n.id = String(await nodeCall(n.addr, 'CLUSTER', 'MYID'));
      cluster.cli(['--cluster', 'create', ...nodes.map((n) => n.addr), '--cluster-replicas', String(replicas), '--cluster-yes']);
      await cluster.settle();
    } catch (e) {
      await cluster.stop();
      throw e;
    }
    return cluster;
  }

  /** Every node address: seeds for a client (PERSISTD_REDIS_CLUSTER is `seeds.join(',')`). */
  get seeds(): string[] {
    return this.nodes.map((n) => n.addr);
  }

  node(addrOrId: string): ClusterNode {
    const n = this.nodes.find((x) => x.addr === addrOrId || x.id === addrOrId);
    if (!n) throw new Error(`no node ${addrOrId} in this cluster`);
    return n;
  }

  /** Nodes whose process runs. */
  live(): ClusterNode[] {
    return this.nodes.filter((n) => n.process !== undefined);
  }

  /** The masters as a live node sees them now (CLUSTER SLOTS), ascending by first slot. */
  async masters(from = this.live()[0]!.addr): Promise<ClusterMaster[]> {
    return parseSlots(await nodeCall(from, 'CLUSTER', 'SLOTS'));
  }

  /** The master serving `slot` now. */
  async masterOfSlot(slot: number): Promise<ClusterMaster> {
    const m = (await this.masters()).find((x) => x.ranges.some(([a, b]) => a <= slot && slot <= b));
    if (!m) throw new Error(`slot ${slot} has no master`);
    return m;
  }

  /**
   * Waits until every live node says `cluster_state:ok`, all agree on every slot's master (all
   * 16384 covered), and every master has `replicas` replicas whose link is up.
   */
  async settle(options: SettleOptions = {}): Promise<ClusterMaster[]> {
    const want = options.replicas ?? this.replicasPerMaster;
    const until = Date.now() + (options.timeoutMs ?? 30_000);
    let why = '';
    while (Date.now() < until) {
      why = await this.unsettled(want).catch((e: Error) => `error: ${e.message}`);
      if (why === '') return this.masters();
      await sleep(100);
    }
    throw new Error(`cluster did not settle: ${why}\n${this.log.slice(-2000)}`);
  }

  /** '' when settled, else why not. */
  private async unsettled(wantReplicas: number): Promise<string> {
    let reference: string | undefined;
    let masters: ClusterMaster[] = [];
    for (const n of this.live()) {
      const info = String(await nodeCall(n.addr, 'CLUSTER', 'INFO'));
      if (!/cluster_state:ok/.test(info)) return `${n.addr}: cluster_state not ok`;
      masters = parseSlots(await nodeCall(n.addr, 'CLUSTER', 'SLOTS'));
      const view = JSON.stringify(masters.map((m) => [m.addr, m.ranges, m.replicas]));
      if (reference === undefined) reference = view;
      else if (view !== reference) return `${n.addr} disagrees about slots`;
    }
    if (slotCount(masters) !== 16384) return `${slotCount(masters)} slots covered`;
    for (const m of masters) {
      let up = 0;
      for (const r of m.replicas) {
        if (!this.nodes.some((n) => n.addr === r && n.process)) continue;
        const info = String(await nodeCall(r, 'INFO', 'replication'));
        if (/master_link_status:up/.test(info) && info.includes(`master_port:${splitAddr(m.addr)[1]}`)) up += 1;
      }
      if (up < wantReplicas) return `${m.addr} has ${up} of ${wantReplicas} replicas up`;
    }
    return '';
  }

  /**
   * `redis-cli --cluster reshard`: moves `slots` slots from one master to another (redis-cli
   * takes the source's lowest slots first), then waits until the cluster settled. Returns
   * redis-cli's output.
   */
  async reshard(options: { from: string; to: string; slots: number }): Promise<string> {
    const from = this.node(options.from).id;
    const to = this.node(options.to).id;
    const out = await this.cliAsync(['--cluster', 'reshard', this.live()[0]!.addr, '--cluster-from', from, '--cluster-to', to, '--cluster-slots', String(options.slots), '--cluster-yes']);
    await this.settle();
    return out;
  }

  /**
   * One slot's migration step by step, the way `--cluster reshard` does it: `begin` sets the slot
   * IMPORTING on the target and MIGRATING on the source; `moveKeys` MIGRATEs every key in it;
   * `finish` assigns it to the target on every node and waits until the cluster settled.
   */
  async migrateSlot(slot: number, to: string): Promise<{ from: ClusterMaster; moveKeys(): Promise<number>; finish(): Promise<void> }> {
    const from = await this.masterOfSlot(slot);
    const target = this.node(to);
    await nodeCall(target.addr, 'CLUSTER', 'SETSLOT', slot, 'IMPORTING', from.id);
    await nodeCall(from.addr, 'CLUSTER', 'SETSLOT', slot, 'MIGRATING', target.id);
    const [host, port] = splitAddr(target.addr);
    return {
      from,
      moveKeys: async () => {
        let moved = 0;
        for (;;) {
          const keys = (await nodeCall(from.addr, 'CLUSTER', 'GETKEYSINSLOT', slot, 100)) as string[];
          if (keys.length === 0) return moved;
          await nodeCall(from.addr, 'MIGRATE', host, port, '', 0, 5000, 'REPLACE', 'KEYS', ...keys);
          moved += keys.length;
        }
      },
      finish: async () => {
        await nodeCall(target.addr, 'CLUSTER', 'SETSLOT', slot, 'NODE', target.id);
        await nodeCall(from.addr, 'CLUSTER', 'SETSLOT', slot, 'NODE', target.id);
        for (const m of await this.masters()) {
          if (m.addr !== target.addr && m.addr !== from.addr) await nodeCall(m.addr, 'CLUSTER', 'SETSLOT', slot, 'NODE', target.id);
        }
        await this.settle();
      },
    };
  }

  /**
   * `CLUSTER FAILOVER` on a replica of `master` (graceful: the master stops taking writes until
   * the replica has caught up, then they swap roles). Resolves with the new master once settled.
   */
  async failover(master: string): Promise<ClusterNode> {
    const m = (await this.masters()).find((x) => x.addr === this.node(master).addr);
    const replica = m?.replicas.map((r) => this.node(r)).find((n) => n.process);
    if (!replica) throw new Error(`${master} is not a master with a live replica`);
    await nodeCall(replica.addr, 'CLUSTER', 'FAILOVER');
    await this.waitFor(async () => (await this.masters(replica.addr)).some((x) => x.addr === replica.addr), `${replica.addr} to become master`);
    await this.settle();
    return replica;
  }

  /** SIGKILL a node: a crash, nothing flushed beyond what AOF `always` already has. */
  async kill(addr: string): Promise<void> {
    const n = this.node(addr);
    const child = n.process;
    if (!child) return;
    const served = (await this.masters().catch(() => [])).find((m) => m.addr === n.addr);
    if (served) this.servedBeforeKill.set(n.addr, served.ranges[0]![0]);
    n.process = undefined;
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await gone;
    }
  }

  /**
   * After `kill` of a master: waits until another node serves its slots (the automatic failover
   * of a replica) and the cluster settled without the dead node (no replica required). Resolves
   * with the promoted node.
   */
  async awaitFailover(addr: string): Promise<ClusterNode> {
    const slot = this.servedBeforeKill.get(this.node(addr).addr);
    if (slot === undefined) throw new Error(`${addr} was not a killed master`);
    let promoted: ClusterNode | undefined;
    await this.waitFor(async () => {
      const m = await this.masterOfSlot(slot);
      if (m.addr === addr) return false;
      promoted = this.node(m.addr);
      return promoted.process !== undefined;
    }, `a failover of ${addr}`);
    await this.settle({ replicas: 0 });
    return promoted!;
  }

  /** Starts a stopped node again on its port, with its directory (AOF, nodes.conf): it rejoins, as a replica if it lost its slots. */
  async restart(addr: string, options: { settle?: boolean } = {}): Promise<void> {
    const n = this.node(addr);
    if (n.process) return;
    await this.launch(n);
    if (options.settle !== false) await this.settle();
  }

  /** Stops every node and removes the directory. */
  async stop(): Promise<void> {
    await Promise.all(
      this.nodes.map(async (n) => {
        const child = n.process;
        n.process = undefined;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await gone;
        clearTimeout(timer);
      }),
    );
    rmSync(this.root, { recursive: true, force: true });
  }

  private async launch(n: ClusterNode): Promise<void> {
    const args = [
      '--port', String(n.port), '--cluster-port', String(n.busPort), '--bind', '127.0.0.1', '--dir', n.dir,
      '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf',
      '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--daemonize', 'no', '--logfile', '',
      // A replica's full sync starts at once instead of after diskless sync's 5 s wait for company,
      // and its offset moves within a second (CLUSTER SLOTS lists no replica at offset 0).
      '--repl-diskless-sync-delay', '0', '--repl-ping-replica-period', '1',
      ...this.args,
    ];
    // The one launcher, on the node's own port: a node comes back where the cluster knows it.
    try {
      const server = await launchRedisServer({ bin: REDIS_SERVER(), port: n.port, args: () => args });
      n.process = server.process;
      n.output = server.output;
    } catch (e) {
      throw new Error(`redis-server ${n.addr} did not start: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private async waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (await check().catch(() => false)) return;
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  private cli(args: string[]): string {
    const r = spawnSync(REDIS_CLI(), args, { encoding: 'utf8', timeout: 60_000 });
    this.log += `$ redis-cli ${args.join(' ')}\n${r.stdout}${r.stderr}`;
    if (r.status !== 0) throw new Error(`redis-cli ${args.join(' ')} failed (${r.status}): ${r.stdout}${r.stderr}`);
    return r.stdout;
  }

  /** redis-cli without blocking the event loop (the test's own clients keep running). */
  private cliAsync(args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn(REDIS_CLI(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (out += b.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        this.log += `$ redis-cli ${args.join(' ')}\n${out}`;
        if (code === 0) resolve(out);
        else reject(new Error(`redis-cli ${args.join(' ')} failed (${code}): ${out.slice(-3000)}`));
      });
    });
  }
}

/** Starts a local cluster (see LocalRedisCluster); stop it in afterAll. */
export function startRedisCluster(options: LocalRedisClusterOptions = {}): Promise<LocalRedisCluster> {
  return LocalRedisCluster.start(options);
}
