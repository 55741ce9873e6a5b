import { storedFormOf, type EpochMeta } from '@persistd/contract';
import {
  advanceIndex,
  checkAgainstIndex,
  incrementalEpoch,
  leavesToRead,
  LeavesNeeded,
  metaDigestOf,
  sha256Hex,
  splitChunks,
  type BaseIndex,
  type FastChanges,
  type LeafRecords,
  type PreparedEpoch,
} from '@persistd/validation';
import type { RpcContext } from '../rpc/context';

/**
 * SaveChanges' fast path (DESIGN §5 "Change sets", §7): an accepted change set costs what changed.
 * Taken only when the base index of this very epoch is held or rebuilt (rebuild-index.ts), the base is stored form 2 and so
 * are new epochs, the base was checked under this daemon's rules version, and the request's own
 * checks found nothing. Then the cross-record rules run on the index plus the change
 * (fast-check.ts), only the record chunks the change falls in are read, and the new epoch is
 * cut from them (incremental-epoch.ts): byte for byte the epoch a Save of the result makes.
 * Whenever it finds or suspects anything, it answers why not, and the caller takes the full
 * path, which gives the exact answer. A refusal may be slow; an acceptance may not.
 */

/** An epoch ready to commit, and how to advance the index once it is committed. */
export interface FastEpoch {
  prepared: PreparedEpoch;
  /** Advances `index` in place to the committed epoch (call only after the commit landed). */
  advance(epoch: bigint, digest: string): BaseIndex;
  /** Record chunks read from Redis. */
  chunksRead: number;
}

/** Base chunks read ahead of the one a re-cut asks for: boundaries realign within a chunk or two. */
const READ_AHEAD = 2;
/** Rounds of reads before the fast path gives up (a change that moves boundaries this far is rare). */
const MAX_READ_ROUNDS = 16;

/** Why the preconditions but the index do not hold, or undefined when they do. */
export function fastPathBlocked(ctx: Pick<RpcContext, 'stored'>, meta: EpochMeta, fast: FastChanges | undefined): string | undefined {
  if (!fast) return 'request findings';
  if (storedFormOf(meta) !== 2) return 'base in stored form 1';
  if (ctx.stored.storedForm !== 2) return 'writing stored form 1';
  if (meta.rulesVersion !== ctx.stored.rulesVersion) return 'base under other rules';
  if (fast.schemaVersion !== meta.schemaVersion) return 'schema version';
  if (metaDigestOf(meta) !== meta.digest) return 'meta digest';
  return undefined;
}

/** The new epoch by the fast path, or why it was not taken. */
export async function fastPathEpoch(
  ctx: Pick<RpcContext, 'store' | 'stored' | 'limits'>,
  stamp: { worldId: string; requestId: string; principal: string },
  index: BaseIndex,
  fast: FastChanges,
): Promise<FastEpoch | { why: string }> {
  const verdict = checkAgainstIndex(index, fast.sections, ctx.limits.maxRecordsPerSection);
  if (!verdict.accept) return { why: verdict.why };
  const got = new Map<string, LeafRecords>();
  let chunksRead = 0;
  const read = async (wanted: Array<[k: number, leaf: number]>): Promise<string | undefined> => {
    const byId = new Map<string, [number, number][]>();
    for (const [k, leaf] of wanted) {
      const id = index.sections[k].leaves[leaf]?.id;
      if (id === undefined || got.has(`${k}:${leaf}`)) continue;
      byId.set(id, [...(byId.get(id) ?? []), [k, leaf]]);
    }
    if (byId.size === 0) return undefined;
    const chunks = await ctx.store.readChunks(stamp.worldId, [...byId.keys()]);
    chunksRead += byId.size;
    for (const [id, at] of byId) {
      const bytes = chunks.get(id);
      // Absent or damaged: the full path reads the whole base and says which.
      if (!bytes || sha256Hex(bytes) !== id) return `chunk ${id}`;
      for (const [k, leaf] of at) got.set(`${k}:${leaf}`, splitChunks(k, [{ id, bytes }]).records);
    }
    return undefined;
  };
  const first: Array<[number, number]> = [];
  fast.sections.forEach((c, k) => {
    for (const leaf of leavesToRead(index.sections[k].leaves, [...c.upserts.map((u) => u.id), ...c.deletes])) first.push([k, leaf]);
  });
  const damaged = await read(first);
  if (damaged) return { why: damaged };
  const stampAll = { ...stamp, committedAtMs: 0n, storedForm: 2 as const, rulesVersion: ctx.stored.rulesVersion };
  for (let round = 0; round < MAX_READ_ROUNDS; round++) {
    let needed: LeavesNeeded;
    try {
      const { prepared, leaves } = incrementalEpoch(index, fast.sections, (k, leaf) => got.get(`${k}:${leaf}`), fast, stampAll);
      return { prepared, chunksRead, advance: (epoch, digest) => advanceIndex(index, fast.sections, { epoch, digest, sums: verdict.sums, leaves }) };
    } catch (e) {
      if (!(e instanceof LeavesNeeded)) throw e;
      needed = e;
    }
    const more: Array<[number, number]> = [];
    for (const leaf of needed.leaves) for (let j = leaf; j <= leaf + READ_AHEAD; j++) more.push([needed.section, j]);
    const again = await read(more);
    if (again) return { why: again };
  }
  return { why: 'boundaries did not realign' };
}
