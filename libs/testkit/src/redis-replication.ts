import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { startPrivateRedis, type PrivateRedis } from './redis-server';

/** redis-server arguments under which an acknowledged save survives a crash and is never evicted. */
export const DURABLE_REDIS_ARGS = ['--appendonly', 'yes', '--appendfsync', 'always', '--maxmemory-policy', 'noeviction'];

/**
 * Resolves once `replica` replicates `master` and the master counts it online (bounded, ~10 s):
 * after a start, or after a failover swapped their roles.
 */
export async function waitForReplicaLink(master: PrivateRedis, replica: PrivateRedis): Promise<void> {
  const m = new Redis(master.url);
  const r = new Redis(replica.url);
  try {
    const online = new RegExp(`^slave\\d+:ip=127\\.0\\.0\\.1,port=${replica.port},state=online`, 'm');
    for (let i = 0; i < 400; i++) {
      if (/master_link_status:up/.test(String(await r.info('replication'))) && online.test(String(await m.info('replication')))) return;
      await sleep(25);
    }
    throw new Error(`replica ${replica.port} did not come online under ${master.port}`);
  } finally {
    m.disconnect();
    r.disconnect();
  }
}

/** A durable master with one durable replica, linked; both are pushed on `servers` for the test to stop. */
export async function startReplicatedPair(servers: PrivateRedis[]): Promise<{ master: PrivateRedis; replica: PrivateRedis }> {
  const fastSync = ['--repl-diskless-sync-delay', '0'];
  const master = await startPrivateRedis({ args: [...DURABLE_REDIS_ARGS, ...fastSync] });
  servers.push(master);
  const replica = await startPrivateRedis({ args: [...DURABLE_REDIS_ARGS, ...fastSync, '--replicaof', '127.0.0.1', String(master.port)] });
  servers.push(replica);
  await waitForReplicaLink(master, replica);
  return { master, replica };
}
