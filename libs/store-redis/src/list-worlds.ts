/**
 * Every world under a key prefix, with what each holds (persistctl worlds, find-player). Read-only.
 *
 * Keys read: P:{*}:epoch found by SCAN MATCH in bounded steps (never KEYS) on each node given —
 * the one standalone Redis, or every master of a cluster — then per world the pointer, the metas
 * of its retention window and STRLEN of every chunk those metas list.
 *
 * Stored bytes are counted as the lengths of the distinct chunks the retained epochs list plus
 * their metas' lengths (STRLEN, O(1) each): the bytes of data the world keeps. Redis's own
 * overhead per key (`MEMORY USAGE`, which samples and costs more) is not included, nor are
 * request records and staged chunks, which expire on their own.
 */
import { storedFormOf, type RecordCounts } from '@persistd/contract';
import type Redis from 'ioredis';
import { chunkIdsOf, decodeEpochMeta } from './epoch-meta';
import { readListedChunks } from './read-listing';
import { parseWorldPointer } from './epoch-pointer';
import { pointerPattern, worldKeys, worldOfPointerKey } from './keys';
import { isRetained } from './retention';
import type { StoreSettings } from './settings';

/** One world as stored. */
export interface WorldSummary {
  worldId: string;
  /** 0n when deleted (then `deletedEpoch` is set). */
  committedEpoch: bigint;
  deletedEpoch: bigint;
  /** Ascending: those of the retention window whose meta exists. */
  retainedEpochs: bigint[];
  /** Of the committed epoch. */
  counts?: RecordCounts;
  /** How the committed epoch is stored: 1 = chunks listed per section (the only form this store writes). */
  storedForm?: number;
  /** Distinct chunks the retained epochs list. */
  chunks: number;
  /** Lengths of those chunks plus the retained metas (see the header). */
  storedBytes: number;
  /** The committed epoch's commit: when, and by whom. */
  committedAtMs?: bigint;
  principal?: string;
  /** The node (host:port) that holds the world. */
  node: string;
}

/** What a listing reports while it runs (for a progress bar on large keyspaces). */
export interface ListProgress {
  /** Keys the SCAN has walked so far (approximate: COUNT per step), across nodes. */
  scanned: number;
  /** Keys on the nodes (DBSIZE), read once at the start. */
  total: number;
  worlds: number;
}

export interface ListWorldsOptions {
  /** A glob over world ids (`*`, `?`); default every world. */
  match?: string;
  /** SCAN COUNT per step (default 1000). */
  scanCount?: number;
  onProgress?: (p: ListProgress) => void;
}

/** Characters of a world glob: a world id's plus `*` and `?` (never a key separator or brace). */
const MATCH = /^[A-Za-z0-9._*?-]{1,128}$/;

/** Every world under `settings.prefix` on `nodes`, sorted by world id (see the header). */
export async function listWorlds(nodes: ReadonlyArray<{ redis: Redis; name: string }>, settings: StoreSettings, options: ListWorldsOptions = {}): Promise<WorldSummary[]> {
  const match = options.match ?? '*';
  if (!MATCH.test(match)) throw new RangeError(`store-redis: world glob ${JSON.stringify(match)} must be 1-128 of [A-Za-z0-9._-] with * and ?`);
  const pattern = pointerPattern(settings.prefix).replace('{*}', `{${match}}`);
  const count = options.scanCount ?? 1000;
  const progress: ListProgress = { scanned: 0, total: 0, worlds: 0 };
  for (const n of nodes) progress.total += Number(await n.redis.dbsize());
  const out: WorldSummary[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, found] = await node.redis.scan(cursor, 'MATCH', pattern, 'COUNT', count);
      cursor = next;
      progress.scanned += count;
      for (const key of found) {
        const worldId = worldOfPointerKey(settings.prefix, key);
        if (worldId === undefined) continue;
        const summary = await summarize(node.redis, node.name, settings, worldId);
        if (summary) out.push(summary);
      }
      progress.worlds = out.length;
      options.onProgress?.({ ...progress, scanned: Math.min(progress.scanned, progress.total) });
    } while (cursor !== '0');
  }
  // COUNT is a hint: say "all walked" once every node's cursor came back to 0.
  options.onProgress?.({ ...progress, scanned: progress.total });
  return out.sort((a, b) => (a.worldId < b.worldId ? -1 : a.worldId > b.worldId ? 1 : 0));
}

/** Keys per STRLEN pipeline. */
const STRLEN_BATCH = 1000;

/** One world's summary, read on the node that holds it; undefined when its pointer vanished meanwhile. */
export async function summarize(redis: Redis, node: string, settings: StoreSettings, worldId: string): Promise<WorldSummary | undefined> {
  const keys = worldKeys(settings.prefix, worldId);
  const raw = await redis.get(keys.epoch);
  if (raw === null) return undefined;
  const pointer = parseWorldPointer(raw, keys.epoch);
  const summary: WorldSummary = { worldId, committedEpoch: pointer.committed, deletedEpoch: pointer.deletedAt, retainedEpochs: [], chunks: 0, storedBytes: 0, node };
  if (pointer.committed === 0n) return summary;
  const window: bigint[] = [];
  for (let e = pointer.committed; e >= 1n && isRetained(e, pointer.committed, settings.retention); e--) window.unshift(e);
  const metas = await redis.mgetBuffer(...window.map((e) => keys.meta(e)));
  const chunkIds = new Set<string>();
  for (const [i, epoch] of window.entries()) {
    const bytes = metas[i];
    if (!bytes) continue;
    summary.retainedEpochs.push(epoch);
    summary.storedBytes += bytes.byteLength;
    const meta = decodeEpochMeta(bytes, keys.meta(epoch));
    // A damaged form-2 index is counted by what the meta names alone.
    for (const id of (await readListedChunks(redis, keys, meta)) ?? chunkIdsOf(meta)) chunkIds.add(id);
    if (epoch === pointer.committed) {
      summary.counts = meta.counts;
      summary.storedForm = storedFormOf(meta);
      summary.committedAtMs = meta.committedAtMs;
      summary.principal = meta.principal;
    }
  }
  const ids = [...chunkIds];
  summary.chunks = ids.length;
  for (let i = 0; i < ids.length; i += STRLEN_BATCH) {
    const p = redis.pipeline();
    for (const id of ids.slice(i, i + STRLEN_BATCH)) p.strlen(keys.chunk(id));
    for (const [err, n] of (await p.exec()) ?? []) {
      if (err) throw err;
      summary.storedBytes += Number(n);
    }
  }
  return summary;
}
