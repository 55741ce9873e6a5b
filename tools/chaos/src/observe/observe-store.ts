import { PersistdClient } from '@persistd/client';
import { RedisStore, worldKeys } from '@persistd/store-redis';
import { decodeStoredSnapshot, verifyStoredEpoch } from '@persistd/validation';
import Redis from 'ioredis';
import type { ObservedEpoch, ObservedRequest, ObservedWorld, StoreObservation } from '@persistd/testkit';
import { contentDigestOf } from '../workload/snapshots';
import { restoreContent } from './restore-content';

/** Where to look after a scenario (faults off): Redis directly, and persistd. */
export interface ObserveTarget {
  redisUrl: string;
  keyPrefix: string;
  retention: number;
  /** A persistd serving that store, for GetWorldStatus and Restore. */
  persistdAddress: string;
  /** Worlds the history wrote; every other world found under the prefix is read too. */
  worlds: Iterable<string>;
  /** Request ids per world whose records are read back. */
  requestIds: Map<string, Set<string>>;
  deadlineMs?: number;
}

/**
 * Reads back everything the checker needs (the I/O half of the checker): for every world under
 * the prefix, the pointer, the retained epochs and whether a meta sits above the pointer; for
 * every retained epoch, the stored meta and chunks (verifyStoredEpoch 'full', and the content
 * digest recomputed from the decoded records) and a Restore through persistd; GetWorldStatus;
 * and the request record of every request id the history used.
 */
export async function observeStore(t: ObserveTarget): Promise<StoreObservation> {
  const deadlineMs = t.deadlineMs ?? 15_000;
  const store = new RedisStore({ redis: { url: t.redisUrl }, settings: { prefix: t.keyPrefix, retention: t.retention, requestTtlSeconds: 86_400, stageTtlSeconds: 600 } });
  const redis = new Redis(t.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: false });
  redis.on('error', () => undefined);
  const client = new PersistdClient(t.persistdAddress);
  try {
    const worlds = new Set(t.worlds);
    for (const w of await worldsUnder(redis, t.keyPrefix)) worlds.add(w);
    const out: ObservedWorld[] = [];
    for (const world of [...worlds].sort()) {
      out.push(await observeWorld({ store, redis, client, prefix: t.keyPrefix, world, requestIds: t.requestIds.get(world) ?? new Set(), deadlineMs }));
    }
    return { retention: t.retention, worlds: out };
  } finally {
    client.close();
    redis.disconnect();
    await store.close();
  }
}

interface WorldReaders {
  store: RedisStore;
  redis: Redis;
  client: PersistdClient;
  prefix: string;
  world: string;
  requestIds: Set<string>;
  deadlineMs: number;
}

async function observeWorld(r: WorldReaders): Promise<ObservedWorld> {
  const { store, world } = r;
  const w: ObservedWorld = { world, pointer: 0n, retained: [], metaAbovePointer: false, epochs: [], requests: {} };
  try {
    w.pointer = await store.readCommittedEpoch(world);
    w.retained = await store.retainedEpochs(world);
    w.metaAbovePointer = (await r.redis.exists(worldKeys(r.prefix, world).meta(w.pointer + 1n))) === 1;
  } catch (e) {
    return { ...w, error: `reading ${world}: ${message(e)}` };
  }
  try {
    const st = await r.client.getWorldStatus(world, { deadlineMs: r.deadlineMs });
    w.status = { committedEpoch: st.committedEpoch, retainedEpochs: [...st.retainedEpochs], digest: st.digest, contentDigest: st.contentDigest };
  } catch (e) {
    w.status = { error: message(e) };
  }
  for (const epoch of w.retained) w.epochs.push(await observeEpoch(r, epoch));
  for (const id of [...r.requestIds].sort()) {
    try {
      const rec = await store.readRequest(world, id);
      w.requests[id] = rec ? ({ epoch: rec.epoch, contentDigest: rec.contentDigest, digest: rec.digest } satisfies ObservedRequest) : null;
    } catch {
      // left out: the checker treats the record as unread
    }
  }
  return w;
}

async function observeEpoch(r: WorldReaders, epoch: bigint): Promise<ObservedEpoch> {
  const e: ObservedEpoch = { epoch };
  try {
    const stored = await r.store.readEpoch(r.world, epoch);
    const m = stored.meta;
    e.meta = { epoch: m.epoch, worldId: m.worldId, requestId: m.requestId, digest: m.digest, contentDigest: m.contentDigest };
    // bytes first: records that do not hash to their ids cannot be attributed to anyone
    const broken = verifyStoredEpoch(stored, 'digest');
    if (broken) {
      e.damage = `${broken.code}: ${broken.message}`;
      return e;
    }
    // records intact: say whose they are even when they break a structural rule (a mix may)
    e.recordsContentDigest = contentDigestOf(decodeStoredSnapshot(stored), r.world);
    const finding = verifyStoredEpoch(stored, 'full');
    if (finding) {
      const first = finding.violations[0];
      e.damage = `${finding.code}: ${finding.message}${first ? ` (first: ${first.path} ${first.message})` : ''}`;
      return e;
    }
  } catch (e2) {
    e.damage = `read failed: ${message(e2)}`;
    return e;
  }
  try {
    e.restored = await restoreContent(r.client, r.world, epoch, r.deadlineMs);
  } catch (e2) {
    e.restored = { error: message(e2) };
  }
  return e;
}

/** World ids with a pointer under the prefix (`P:{w}:epoch`), by SCAN. */
async function worldsUnder(redis: Redis, prefix: string): Promise<string[]> {
  const out = new Set<string>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:{*}:epoch`, 'COUNT', 1000);
    cursor = next;
    for (const k of keys) {
      const m = /^[^:]+:\{([^}]+)\}:epoch$/.exec(k);
      if (m) out.add(m[1]!);
    }
  } while (cursor !== '0');
  return [...out];
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
