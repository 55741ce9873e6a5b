/**
 * The durability guard (DESIGN §5 "Durability"): can an acknowledged save be lost?
 *
 * Read at start, on a short-lived connection of its own:
 *   CONFIG GET appendonly, appendfsync, maxmemory-policy   (one round trip, pipelined)
 *   INFO replication                                       (role, connected_slaves)
 *   INFO server                                            (redis_version)
 *
 * An ack survives a Redis crash only with AOF on and fsynced on every write (`appendonly yes`,
 * `appendfsync always`), and survives memory pressure only under `noeviction`. A CONFIG that
 * cannot be read (`rename-command CONFIG ""`, an ACL user without +config) proves nothing, so it
 * counts as a risk too; so does INFO replication refused. Replicas are reported: in strict mode
 * the daemon then waits for `WAIT 1` before answering a save (commit.ts, `ReplicaAck`).
 *
 * The commit itself is safe only on Redis 6.0.9 or newer (redis-version.ts): an older server, or
 * a version that cannot be read, is a risk like the others, so strict mode refuses it too.
 *
 * Redis Cluster (`clusterSeeds`): every master serving slots is inspected this way, and the
 * reports are folded into one (cluster-durability.ts) that names the master behind each risk.
 */
import { combineReports, discoverMasters, masterConfig } from './cluster-durability';
import { isClusterConfig, parseNodeAddress, nodeConfig } from './cluster-connections';
import { createCommitConnection, discard, whenReady, type RedisConnectionConfig } from './connections';
import { mapRedisFailure } from './redis-failures';
import { versionFromInfo, versionRisk, type RedisVersion } from './redis-version';
import { StoreError } from './store-error';

/** What the guard found. `safe` = nothing can lose an acknowledged save. */
export interface DurabilityReport {
  /** False when Redis could not be asked at all; `failure` says why. */
  reachable: boolean;
  failure?: StoreError;
  /** Redis refused the credentials (WRONGPASS, NOAUTH): a configuration error, not an outage. */
  credentialsRefused: boolean;
  config: { readable: true; appendonly: string; appendfsync: string; maxmemoryPolicy: string } | { readable: false; error: string };
  replication: { readable: true; role: string; connectedReplicas: number } | { readable: false; error: string };
  /** `redis_version` from INFO server (cluster: distinct values joined with `/`). */
  version: RedisVersion;
  /** Each way an acknowledged save can be lost, in plain words; empty when safe. */
  risks: string[];
  safe: boolean;
  /**
   * Redis Cluster: each master's own report (the fields above then sum them up: values joined
   * with `/` where masters differ, the fewest replicas, every risk prefixed with its master).
   */
  masters?: Array<{ node: string; report: DurabilityReport }>;
}

const CREDENTIAL_ERRORS = ['WRONGPASS', 'NOAUTH'];

/**
 * Reads the durability settings of the Redis `config` points at — of every master, in cluster
 * mode. Never throws for Redis failures: they are in the report.
 */
export async function inspectDurability(config: RedisConnectionConfig): Promise<DurabilityReport> {
  if (!isClusterConfig(config)) return inspectNode(config);
  const found = await discoverMasters(config);
  if (found.kind === 'failed') {
    // The first seed's own report says best why (unreachable, credentials refused); a seed that
    // answers but knows no cluster is a risk of its own.
    const first = await inspectNode(nodeConfig(config, parseNodeAddress(config.clusterSeeds![0]!)));
    if (!first.reachable) return first;
    const risks = [...first.risks, `PERSISTD_REDIS_CLUSTER is set but no seed describes a working Redis Cluster (${found.error}): saves will fail`];
    return { ...first, risks, safe: false };
  }
  const per = await Promise.all(found.masters.map(async (node) => ({ node, report: await inspectNode(masterConfig(config, node)) })));
  return combineReports(per);
}

/** One Redis: a standalone one, or one master of a cluster. */
async function inspectNode(config: RedisConnectionConfig): Promise<DurabilityReport> {
  const conn = createCommitConnection(config);
  try {
    try {
      await whenReady(conn, config.connectTimeoutMs ?? 2000);
    } catch (e) {
      const failure = mapRedisFailure(e, 'before-exec') ?? new StoreError('STORE_UNAVAILABLE', String(e), { cause: e });
      const redisError = failure.metadata?.redis_error ?? '';
      const credentialsRefused = CREDENTIAL_ERRORS.includes(redisError) || /WRONGPASS|NOAUTH/.test(failure.message);
      return {
        reachable: false,
        failure,
        credentialsRefused,
        config: { readable: false, error: 'Redis not reachable' },
        replication: { readable: false, error: 'Redis not reachable' },
        version: { readable: false, error: 'Redis not reachable' },
        risks: [credentialsRefused ? `Redis refused the credentials (${redisError || 'auth'}), so nothing can be verified` : `Redis cannot be reached (${failure.message}), so nothing can be verified`],
        safe: false,
      };
    }
    const [cfg, repl, version] = await Promise.all([readConfig(conn), readReplication(conn), readVersion(conn)]);
    const risks = risksOf(cfg, repl, version);
    return { reachable: true, credentialsRefused: false, config: cfg, replication: repl, version, risks, safe: risks.length === 0 };
  } finally {
    discard(conn);
  }
}

async function readConfig(conn: ReturnType<typeof createCommitConnection>): Promise<DurabilityReport['config']> {
  try {
    const values = new Map<string, string>();
    for (const name of ['appendonly', 'appendfsync', 'maxmemory-policy']) {
      const pair = (await conn.call('CONFIG', 'GET', name)) as string[];
      values.set(name, pair[1] ?? '');
    }
    return { readable: true, appendonly: values.get('appendonly')!, appendfsync: values.get('appendfsync')!, maxmemoryPolicy: values.get('maxmemory-policy')! };
  } catch (e) {
    return { readable: false, error: (e as Error).message };
  }
}

async function readReplication(conn: ReturnType<typeof createCommitConnection>): Promise<DurabilityReport['replication']> {
  try {
    const info = String(await conn.call('INFO', 'replication'));
    const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
    return { readable: true, role: field('role') ?? 'unknown', connectedReplicas: Number(field('connected_slaves') ?? 0) };
  } catch (e) {
    return { readable: false, error: (e as Error).message };
  }
}

async function readVersion(conn: ReturnType<typeof createCommitConnection>): Promise<RedisVersion> {
  try {
    return versionFromInfo(String(await conn.call('INFO', 'server')));
  } catch (e) {
    return { readable: false, error: `INFO server is refused: ${(e as Error).message}` };
  }
}

function risksOf(cfg: DurabilityReport['config'], repl: DurabilityReport['replication'], version: RedisVersion): string[] {
  const risks: string[] = [];
  const tooOld = versionRisk(version);
  if (tooOld) risks.push(tooOld);
  if (!cfg.readable) {
    risks.push(`CONFIG GET is refused (${cfg.error}), so appendonly, appendfsync and maxmemory-policy cannot be verified`);
  } else {
    if (cfg.appendonly !== 'yes') risks.push(`appendonly is ${cfg.appendonly}: a Redis crash loses every save since the last RDB snapshot`);
    else if (cfg.appendfsync !== 'always') risks.push(`appendfsync is ${cfg.appendfsync}: a Redis crash can lose acknowledged saves not yet fsynced`);
    if (cfg.maxmemoryPolicy !== 'noeviction') risks.push(`maxmemory-policy is ${cfg.maxmemoryPolicy}: under memory pressure Redis may evict committed epochs`);
  }
  if (!repl.readable) risks.push(`INFO replication is refused (${repl.error}), so replicas cannot be known`);
  else if (repl.role !== 'master') risks.push(`Redis is a ${repl.role}, not a master: saves will be refused`);
  return risks;
}

/** The report as one plain line for the start-up log. */
export function describeDurability(r: DurabilityReport): string {
  const parts: string[] = [];
  if (r.version.readable) parts.push(`redis_version=${r.version.version}`);
  if (r.config.readable) parts.push(`appendonly=${r.config.appendonly} appendfsync=${r.config.appendfsync} maxmemory-policy=${r.config.maxmemoryPolicy}`);
  if (r.replication.readable) parts.push(`role=${r.replication.role} replicas=${r.replication.connectedReplicas}`);
  if (r.masters) parts.unshift(`cluster of ${r.masters.length} masters (${r.masters.map((m) => m.node).join(', ')})`);
  const facts = parts.length > 0 ? `${parts.join(' ')}: ` : '';
  return r.safe
    ? `durability: ${facts}an acknowledged save survives a Redis crash and is never evicted`
    : `durability: ${facts}an acknowledged save CAN BE LOST — ${r.risks.join('; ')}`;
}
