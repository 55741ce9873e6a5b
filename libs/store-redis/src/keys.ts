/**
 * The one place that builds Redis key strings (DESIGN §5 "Keys"). Nothing else in persistd
 * assembles a key, so the layout can be read, changed and tested here alone.
 *
 *   P:{w}:epoch              the committed epoch (decimal integer), or the tombstone
 *                            "deleted:<N>" once the world was deleted at epoch N
 *   P:{w}:meta:<N>           encoded EpochMeta of retained epoch N
 *   P:{w}:chunk:<chunk_id>   chunk bytes, shared by every retained epoch that lists the id
 *   P:{w}:req:<request_id>   the outcome of a committed request (see request-record.ts)
 *   P:{w}:sweep              the epoch N of a deletion whose chunk sweep has not finished
 *
 * The world id sits in braces, a Redis Cluster hash tag: every key of a world hashes to one slot,
 * so a WATCH/MULTI/EXEC over a world's keys is legal on a cluster too.
 */

/**
 * The value the pointer holds once a world was deleted at epoch `n` (DESIGN §3 DeleteWorld): it
 * keeps the last epoch number, so a new save commits n+1 and epoch numbers are never reused.
 */
export function tombstoneValue(n: bigint): string {
  if (n < 1n) throw new RangeError(`store-redis: a world is deleted at an epoch ≥ 1, not ${n}`);
  return `${TOMBSTONE_PREFIX}${n}`;
}

/** What a tombstone value starts with; a live pointer is digits only. */
export const TOMBSTONE_PREFIX = 'deleted:';

/** Every key of one world. */
export interface WorldKeys {
  /** The committed-epoch pointer (or the tombstone of a deleted world). */
  readonly epoch: string;
  /** The stored EpochMeta of epoch `n`. */
  meta(n: bigint): string;
  /** A chunk, by its id (lowercase hex SHA-256 of its bytes). */
  chunk(id: string): string;
  /** The record of a committed request id. */
  req(requestId: string): string;
  /** Set while a deletion's chunk sweep is unfinished (delete-world.ts): its epoch. */
  readonly sweep: string;
  /** A SCAN MATCH pattern for every key of the world (its key parts hold no glob character). */
  readonly pattern: string;
  /** What every chunk key starts with, and every meta key: to tell a scanned key's kind. */
  readonly chunkHead: string;
  readonly metaHead: string;
}

/**
 * Characters allowed in every key part. Ids are validated upstream (DESIGN §4 field rules); this
 * guard only keeps a stray `{`, `}`, `:` or space from moving a key into another slot or
 * another key's namespace.
 */
const KEY_PART = /^[A-Za-z0-9._-]{1,128}$/;

function part(kind: string, value: string): string {
  if (!KEY_PART.test(value)) {
    throw new RangeError(`store-redis: ${kind} ${JSON.stringify(value)} is not a valid key part (${KEY_PART})`);
  }
  return value;
}

/** The keys of world `worldId` under key prefix `prefix` (`PERSISTD_KEY_PREFIX`). */
export function worldKeys(prefix: string, worldId: string): WorldKeys {
  const base = `${part('prefix', prefix)}:{${part('world id', worldId)}}:`;
  return {
    epoch: `${base}epoch`,
    meta: (n: bigint) => {
      if (n < 1n) throw new RangeError(`store-redis: epoch ${n} has no meta (epochs start at 1)`);
      return `${base}meta:${n}`;
    },
    chunk: (id: string) => `${base}chunk:${part('chunk id', id)}`,
    req: (requestId: string) => `${base}req:${part('request id', requestId)}`,
    sweep: `${base}sweep`,
    // Key parts hold no glob character ([A-Za-z0-9._-]), so nothing needs escaping.
    pattern: `${base}*`,
    chunkHead: `${base}chunk:`,
    metaHead: `${base}meta:`,
  };
}

/** A SCAN MATCH pattern for every world pointer under `prefix` (one key per world, live or deleted). */
export function pointerPattern(prefix: string): string {
  return `${part('prefix', prefix)}:{*}:epoch`;
}

/**
 * The epoch a scanned key of the world names when it is a meta key (`metaHead` + digits; 0n for
 * another suffix, which no commit writes); undefined for a key of another kind.
 */
export function epochOfMetaKey(keys: WorldKeys, key: string): bigint | undefined {
  if (!key.startsWith(keys.metaHead)) return undefined;
  const n = key.slice(keys.metaHead.length);
  return /^[0-9]{1,20}$/.test(n) ? BigInt(n) : 0n;
}

/** The world id of a pointer key found by `pointerPattern`, or undefined for a key of another shape. */
export function worldOfPointerKey(prefix: string, key: string): string | undefined {
  const head = `${prefix}:{`;
  const tail = '}:epoch';
  if (!key.startsWith(head) || !key.endsWith(tail)) return undefined;
  const world = key.slice(head.length, key.length - tail.length);
  return KEY_PART.test(world) ? world : undefined;
}
