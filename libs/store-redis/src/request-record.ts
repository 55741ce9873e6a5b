import { StoreError } from './store-error';

/**
 * What `P:{w}:req:<request_id>` remembers about a committed request: enough to answer a retry
 * (replayed, with the original epoch and digest) or to refuse the id reused for other content.
 */
export interface RequestRecord {
  epoch: bigint;
  contentDigest: string;
  digest: string;
}

/**
 * Stored as one line of text, `<epoch> <content_digest> <digest>` (decimal, lowercase hex, hex):
 * readable in redis-cli, stable, and free of separators inside its fields.
 */
export function encodeRequestRecord(r: RequestRecord): string {
  for (const d of [r.contentDigest, r.digest]) {
    if (!/^[0-9A-Za-z]+$/.test(d)) throw new RangeError(`store-redis: digest ${JSON.stringify(d)} is not hex`);
  }
  return `${r.epoch} ${r.contentDigest} ${r.digest}`;
}

/** Parses a stored request record; a value that is not one is damage at rest (DIGEST_MISMATCH). */
export function decodeRequestRecord(value: string, key: string): RequestRecord {
  const m = /^([1-9][0-9]*) ([0-9A-Za-z]+) ([0-9A-Za-z]+)$/.exec(value);
  if (!m) throw new StoreError('DIGEST_MISMATCH', `${key} does not hold a request record`, { metadata: { key } });
  return { epoch: BigInt(m[1]!), contentDigest: m[2]!, digest: m[3]! };
}
