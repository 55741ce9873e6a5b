import { StoreError } from './store-error';

/**
 * What `P:{w}:req:<request_id>` remembers about a committed request: enough to answer a retry
 * (replayed, with the original epoch, digests and counts) or to refuse the id reused for another
 * request. A retry is recognized by its request digest (DESIGN §3, §5), which does not depend on
 * the stored form, so a Save committed by a daemon writing form 1 still replays at one writing
 * form 2; a Save's record written before Save had a request digest is recognized by its content
 * digest, as it was then.
 */
export interface RequestRecord {
  epoch: bigint;
  /** The content digest the commit answered (a replay answers it again, whatever form the retry's daemon writes). */
  contentDigest: string;
  digest: string;
  /** The request digest: a SaveChanges' always; a Save's unless the record predates it. */
  requestDigest?: string;
  /** SaveChanges only: the committed record counts (players, zones, npcs, items, quests), for its replay. */
  counts?: readonly number[];
}

/** The request being made, as a request record is compared with it. */
export type RequestIdentity =
  /** A Save: its request digest where its caller computed one (the daemon always does), and its content digest for records older than that. */
  | { method: 'Save'; contentDigest: string; requestDigest?: string }
  /** A SaveChanges: its request digest alone decides (`contentDigest` is not read). */
  | { method?: 'SaveChanges'; contentDigest?: string; requestDigest: string };

const HEX = /^[0-9A-Za-z]+$/;

/** A SaveChanges' record is the one that carries counts. */
const isChanges = (r: RequestRecord) => r.counts !== undefined;

/**
 * Stored as one line of text, readable in redis-cli, stable, and free of separators inside its
 * fields: `<epoch> <content_digest> <digest>`, then for a Save `save:<request_digest>`, for a
 * SaveChanges `changes:<request_digest> <players>,<zones>,<npcs>,<items>,<quests>`. The three
 * fields alone are a Save's record written before Save had a request digest, still read (and
 * rewritten, by a replay's replica acknowledgement, as it is).
 */
export function encodeRequestRecord(r: RequestRecord): string {
  for (const d of [r.contentDigest, r.digest, ...(r.requestDigest === undefined ? [] : [r.requestDigest])]) {
    if (!HEX.test(d)) throw new RangeError(`store-redis: digest ${JSON.stringify(d)} is not hex`);
  }
  const save = `${r.epoch} ${r.contentDigest} ${r.digest}`;
  if (!isChanges(r)) return r.requestDigest === undefined ? save : `${save} save:${r.requestDigest}`;
  const counts = r.counts ?? [];
  if (r.requestDigest === undefined) throw new RangeError('store-redis: a SaveChanges record needs its request digest');
  if (counts.length !== 5 || counts.some((n) => !Number.isSafeInteger(n) || n < 0)) throw new RangeError('store-redis: a SaveChanges record needs five counts');
  return `${save} changes:${r.requestDigest} ${counts.join(',')}`;
}

/** Parses a stored request record; a value that is not one is damage at rest (DIGEST_MISMATCH). */
export function decodeRequestRecord(value: string, key: string): RequestRecord {
  const m = /^([1-9][0-9]*) ([0-9A-Za-z]+) ([0-9A-Za-z]+)(?: save:([0-9A-Za-z]+)| changes:([0-9A-Za-z]+) ((?:0|[1-9][0-9]*)(?:,(?:0|[1-9][0-9]*)){4}))?$/.exec(value);
  if (!m) throw new StoreError('DIGEST_MISMATCH', `${key} does not hold a request record`, { metadata: { key } });
  const record: RequestRecord = { epoch: BigInt(m[1]!), contentDigest: m[2]!, digest: m[3]! };
  if (m[4] !== undefined) record.requestDigest = m[4];
  if (m[5] !== undefined) {
    record.requestDigest = m[5];
    record.counts = m[6]!.split(',').map(Number);
  }
  return record;
}

/**
 * Whether a committed request's record names the request being made. One request id names one
 * request across Save and SaveChanges, so a Save's record never matches a SaveChanges and the
 * other way round. Request digests decide when both sides have one; a Save's record from before
 * Save had a request digest (or a Save committed without one) is matched by content digest, which
 * holds within one stored form.
 */
export function sameRequest(record: RequestRecord, request: RequestIdentity): boolean {
  if (request.method !== 'Save') return isChanges(record) && record.requestDigest === request.requestDigest;
  if (isChanges(record)) return false;
  if (record.requestDigest !== undefined && request.requestDigest !== undefined) return record.requestDigest === request.requestDigest;
  return record.contentDigest === request.contentDigest;
}
