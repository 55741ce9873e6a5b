import { StoreError } from './store-error';

/**
 * What `P:{w}:req:<request_id>` remembers about a committed request: enough to answer a retry
 * (replayed, with the original epoch, digests and counts) or to refuse the id reused for another
 * request. A Save is recognized by its content digest; a SaveChanges, whose retry may come after
 * later epochs when no result can be formed again, by its request digest (DESIGN §3).
 */
export interface RequestRecord {
  epoch: bigint;
  contentDigest: string;
  digest: string;
  /** SaveChanges only: the request digest, which decides whether a retry is the same request. */
  requestDigest?: string;
  /** SaveChanges only: the committed record counts (players, zones, npcs, items, quests), for its replay. */
  counts?: readonly number[];
}

const HEX = /^[0-9A-Za-z]+$/;

/**
 * Stored as one line of text, readable in redis-cli, stable, and free of separators inside its
 * fields: `<epoch> <content_digest> <digest>` for a Save (the format of every record written
 * before SaveChanges existed, still read as a Save's), and for a SaveChanges the same followed by
 * `changes:<request_digest> <players>,<zones>,<npcs>,<items>,<quests>`.
 */
export function encodeRequestRecord(r: RequestRecord): string {
  for (const d of [r.contentDigest, r.digest, ...(r.requestDigest === undefined ? [] : [r.requestDigest])]) {
    if (!HEX.test(d)) throw new RangeError(`store-redis: digest ${JSON.stringify(d)} is not hex`);
  }
  const save = `${r.epoch} ${r.contentDigest} ${r.digest}`;
  if (r.requestDigest === undefined) return save;
  const counts = r.counts ?? [];
  if (counts.length !== 5 || counts.some((n) => !Number.isSafeInteger(n) || n < 0)) throw new RangeError('store-redis: a SaveChanges record needs five counts');
  return `${save} changes:${r.requestDigest} ${counts.join(',')}`;
}

/** Parses a stored request record; a value that is not one is damage at rest (DIGEST_MISMATCH). */
export function decodeRequestRecord(value: string, key: string): RequestRecord {
  const m = /^([1-9][0-9]*) ([0-9A-Za-z]+) ([0-9A-Za-z]+)(?: changes:([0-9A-Za-z]+) ((?:0|[1-9][0-9]*)(?:,(?:0|[1-9][0-9]*)){4}))?$/.exec(value);
  if (!m) throw new StoreError('DIGEST_MISMATCH', `${key} does not hold a request record`, { metadata: { key } });
  const record: RequestRecord = { epoch: BigInt(m[1]!), contentDigest: m[2]!, digest: m[3]! };
  if (m[4] !== undefined) {
    record.requestDigest = m[4];
    record.counts = m[5]!.split(',').map(Number);
  }
  return record;
}

/**
 * Whether a committed request's record names the request being made: a SaveChanges by its
 * request digest, a Save by its content digest; a Save's id is never a SaveChanges' (one request
 * id names one request across both).
 */
export function sameRequest(record: RequestRecord, request: { contentDigest: string; requestDigest?: string }): boolean {
  if (request.requestDigest !== undefined) return record.requestDigest === request.requestDigest;
  return record.requestDigest === undefined && record.contentDigest === request.contentDigest;
}
