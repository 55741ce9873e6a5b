import { storedFormOf, unpackChunkIds, type EpochMeta } from '@persistd/contract';
import { decodeEpochMeta } from './epoch-meta';

/**
 * How far below the retention cut a commit looks for metas left over from a larger retention
 * setting. Bounded so a commit's cost never grows with history; never a SCAN.
 */
export const LEFTOVER_WINDOW = 64n;

/** The epochs whose metas a commit of `newEpoch` reads: the ones it keeps, the one it drops, and leftovers. */
export function metaWindow(newEpoch: bigint, retention: number): bigint[] {
  const from = newEpoch - BigInt(retention) - LEFTOVER_WINDOW;
  const out: bigint[] = [];
  for (let e = from < 1n ? 1n : from; e < newEpoch; e++) out.push(e);
  return out;
}

/** True when epoch `e` is among the last `retention` epochs up to `pointer`. */
export function isRetained(e: bigint, pointer: bigint, retention: number): boolean {
  return e >= 1n && e <= pointer && e > pointer - BigInt(retention);
}

/** An epoch's chunks relative to its base (the epoch before it): what it added, what it stopped listing. */
export interface ChunkChanges {
  added: ReadonlySet<string>;
  dropped: ReadonlySet<string>;
}

/** What a commit deletes in its transaction. */
export interface RetentionPlan {
  /** Epochs whose meta is deleted (past retention). */
  dropMetas: bigint[];
  /** Chunk ids listed by dropped epochs and by no kept one (the new epoch included). */
  dropChunks: string[];
  /**
   * True when the changes of an epoch that decides are unknown (a meta missing or that does not
   * decode, a form-2 base without bookkeeping): then no chunk is deleted (a leaked chunk is a
   * cost; a deleted live chunk is data loss).
   */
  chunksKept: boolean;
}

/** The changes an epoch's meta records, if it records them relative to the epoch before it. */
function recordedChanges(meta: EpochMeta, epoch: bigint): ChunkChanges | undefined {
  const ledger = meta.ledger;
  if (!ledger || ledger.baseEpoch !== epoch - 1n) return undefined;
  const added = unpackChunkIds(ledger.added);
  const dropped = unpackChunkIds(ledger.dropped);
  return added && dropped ? { added: new Set(added), dropped: new Set(dropped) } : undefined;
}

/** The changes between two chunk lists (`next` may be a map by chunk id: a commit's own chunks). */
export function changesBetween(base: ReadonlySet<string>, next: Pick<ReadonlySet<string>, 'has' | 'keys'>): ChunkChanges {
  const added = new Set<string>();
  for (const id of next.keys()) if (!base.has(id)) added.add(id);
  const dropped = new Set<string>();
  for (const id of base) if (!next.has(id)) dropped.add(id);
  return { added, dropped };
}

/** A form-1 meta's chunks, which it lists itself (epochs written before the bookkeeping existed). */
function inlineChunks(meta: EpochMeta): Set<string> | undefined {
  if (storedFormOf(meta) !== 1) return undefined;
  return new Set(meta.sections.flatMap((s) => s.chunkIds));
}

/**
 * Decides, from the metas found in `metaWindow`, what committing `newEpoch` drops so that
 * exactly the last `retention` epochs remain, and no chunk that a remaining epoch lists is lost.
 * From each epoch's bookkeeping alone, never by walking trees: a chunk leaves with the epochs
 * leaving when, over the epochs after the oldest of them up to the first kept one, its last
 * change is a drop (so the first kept epoch does not list it), and no later epoch, the new one
 * included, adds it again. An epoch written before the bookkeeping (form 1) has its changes
 * worked out from its own list and its base's. A dropped meta that does not decode is deleted;
 * its chunks are left (unknown) — a bounded leak, never a loss.
 *
 * `newChanges` are the new epoch's changes against its base; absent, they are worked out from
 * `newChunkIds` when the base is a form-1 meta in the window.
 */
export function planRetention(args: {
  newEpoch: bigint;
  retention: number;
  newChunkIds: Iterable<string>;
  newChanges?: ChunkChanges;
  metas: ReadonlyMap<bigint, Uint8Array>;
  keyOf(epoch: bigint): string;
}): RetentionPlan {
  const firstKept = args.newEpoch - BigInt(args.retention) + 1n;
  const decoded = new Map<bigint, EpochMeta | undefined>();
  for (const [epoch, bytes] of args.metas) {
    try {
      decoded.set(epoch, decodeEpochMeta(bytes, args.keyOf(epoch)));
    } catch {
      decoded.set(epoch, undefined);
    }
  }
  const dropMetas = [...args.metas.keys()].filter((e) => !isRetained(e, args.newEpoch, args.retention)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (dropMetas.length === 0) return { dropMetas, dropChunks: [], chunksKept: false };

  const changesOf = (epoch: bigint): ChunkChanges | undefined => {
    const base = decoded.get(epoch - 1n);
    if (epoch === args.newEpoch) {
      if (args.newChanges) return args.newChanges;
      const listed = base && inlineChunks(base);
      return listed && changesBetween(listed, new Set(args.newChunkIds));
    }
    const meta = decoded.get(epoch);
    if (!meta) return undefined;
    const recorded = recordedChanges(meta, epoch);
    if (recorded) return recorded;
    const before = base && inlineChunks(base);
    const after = inlineChunks(meta);
    return before && after ? changesBetween(before, after) : undefined;
  };

  const gone = new Map<string, boolean>();
  const readded = new Set<string>();
  for (let epoch = dropMetas[0] + 1n; epoch <= args.newEpoch; epoch++) {
    const changes = changesOf(epoch);
    if (!changes) return { dropMetas, dropChunks: [], chunksKept: true };
    if (epoch <= firstKept) {
      for (const id of changes.dropped) gone.set(id, true);
      for (const id of changes.added) gone.set(id, false);
    } else {
      for (const id of changes.added) readded.add(id);
    }
  }
  const dropChunks = [...gone].filter(([id, isGone]) => isGone && !readded.has(id)).map(([id]) => id);
  return { dropMetas, dropChunks, chunksKept: false };
}
