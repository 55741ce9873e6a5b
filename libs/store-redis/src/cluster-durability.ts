/**
 * The durability guard over a Redis Cluster (DESIGN §5 "Durability": "every master it uses").
 * durability.ts inspects each master as it would a standalone Redis; this module finds the
 * masters and folds their reports into one.
 *
 *   discoverMasters   CLUSTER SLOTS on the first seed that answers, on a short-lived connection
 *   combineReports    one report: every master's risks, named by node; config, replication and
 *                     version summarised (distinct values, sorted, joined with `/` where masters
 *                     differ; the fewest replicas)
 *
 * Beyond each master's own risks, a cluster adds one: masters with replicas next to masters
 * without. Strict mode waits for a replica only when every master has one (the daemon asks for
 * `WAIT 1` on all of them), so on such a cluster a failover can lose acknowledged saves.
 */
import type Redis from 'ioredis';
import { addressOfKey, nodeKey, parseNodeAddress, nodeConfig } from './cluster-connections';
import { createCommitConnection, discard, whenReady, CONNECTION_DEFAULTS, type RedisConnectionConfig } from './connections';
import type { DurabilityReport } from './durability';

/** Masters found, or why none could be: the last seed's error. */
export type Discovery = { kind: 'masters'; masters: string[] } | { kind: 'failed'; error: string };

/** The masters serving slots, as `host:port` (sorted), from the first seed that answers CLUSTER SLOTS. */
export async function discoverMasters(config: RedisConnectionConfig): Promise<Discovery> {
  let error = 'no seed given';
  for (const seed of config.clusterSeeds ?? []) {
    const conn: Redis = createCommitConnection(nodeConfig(config, parseNodeAddress(seed)));
    try {
      await whenReady(conn, config.connectTimeoutMs ?? CONNECTION_DEFAULTS.connectTimeoutMs);
      const slots = (await conn.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number, ...unknown[]], ...unknown[]]>;
      const masters = new Set(slots.map(([, , m]) => nodeKey({ host: String(m[0]), port: Number(m[1]) })));
      if (masters.size === 0) {
        error = `${seed} knows no master serving slots`;
        continue;
      }
      return { kind: 'masters', masters: [...masters].sort() };
    } catch (e) {
      error = `${seed}: ${(e as Error).message}`;
    } finally {
      discard(conn);
    }
  }
  return { kind: 'failed', error };
}

/** The connection config of a master found by discoverMasters. */
export function masterConfig(config: RedisConnectionConfig, master: string): RedisConnectionConfig {
  return nodeConfig(config, addressOfKey(master));
}

const joined = (values: string[]) => [...new Set(values)].sort().join('/');

/** One report for the cluster out of each master's (see the module comment). */
export function combineReports(per: Array<{ node: string; report: DurabilityReport }>): DurabilityReport {
  const reports = per.map((p) => p.report);
  const risks = per.flatMap((p) => p.report.risks.map((r) => `master ${p.node}: ${r}`));
  const replicaCounts = reports.flatMap((r) => (r.replication.readable ? [r.replication.connectedReplicas] : []));
  if (replicaCounts.some((n) => n === 0) && replicaCounts.some((n) => n > 0)) {
    const bare = per.filter((p) => p.report.replication.readable && p.report.replication.connectedReplicas === 0).map((p) => p.node);
    risks.push(`masters ${bare.join(', ')} have no replica while others do: a save cannot wait for a replica everywhere, so a failover can lose acknowledged saves`);
  }

  const unreadableConfig = per.find((p) => !p.report.config.readable);
  const configs = reports.flatMap((r) => (r.config.readable ? [r.config] : []));
  const config: DurabilityReport['config'] = unreadableConfig
    ? { readable: false, error: `${unreadableConfig.node}: ${(unreadableConfig.report.config as { error: string }).error}` }
    : { readable: true, appendonly: joined(configs.map((c) => c.appendonly)), appendfsync: joined(configs.map((c) => c.appendfsync)), maxmemoryPolicy: joined(configs.map((c) => c.maxmemoryPolicy)) };

  const unreadableRepl = per.find((p) => !p.report.replication.readable);
  const repls = reports.flatMap((r) => (r.replication.readable ? [r.replication] : []));
  const replication: DurabilityReport['replication'] = unreadableRepl
    ? { readable: false, error: `${unreadableRepl.node}: ${(unreadableRepl.report.replication as { error: string }).error}` }
    : { readable: true, role: joined(repls.map((r) => r.role)), connectedReplicas: Math.min(...repls.map((r) => r.connectedReplicas)) };

  const unreadableVersion = per.find((p) => !p.report.version.readable);
  const version: DurabilityReport['version'] = unreadableVersion
    ? { readable: false, error: `${unreadableVersion.node}: ${(unreadableVersion.report.version as { error: string }).error}` }
    : { readable: true, version: joined(reports.map((r) => (r.version as { version: string }).version)) };

  const unreachable = reports.find((r) => !r.reachable);
  const report: DurabilityReport = {
    reachable: !unreachable,
    credentialsRefused: reports.some((r) => r.credentialsRefused),
    config,
    replication,
    version,
    risks,
    safe: risks.length === 0,
    masters: per,
  };
  if (unreachable?.failure) report.failure = unreachable.failure;
  return report;
}
