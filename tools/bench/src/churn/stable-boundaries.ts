import { createHash } from 'node:crypto';
import { WireType } from '@bufbuild/protobuf/wire';
import { CHUNK_MAX_BYTES, type CanonicalSection } from '@persistd/validation';

/** One chunk as the churn comparison needs it. */
export interface ChunkRef {
  id: string;
  bytes: number;
}

/** FNV-1a over an id's code units: a cheap, stable hash (ids are ASCII). */
function fnv1a(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const varintSize = (n: number) => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5);

/**
 * The proposal (an experiment, not the stored form): chunk boundaries decided by record ids.
 * A chunk ends after a record whose id hashes below 2^32 / avgRecords, or before a record that
 * would take it past `maxBytes` (so the 1 MiB bound holds). A boundary depends only on the ids
 * and sizes since the previous one, so an insert or a change moves at most the chunks around
 * it, and the same records still give the same chunks (DESIGN §5 determinism).
 */
export function cutByIds(section: CanonicalSection, avgRecords: number, maxBytes = CHUNK_MAX_BYTES): ChunkRef[] {
  const tag = (section.recordFieldNo << 3) | WireType.LengthDelimited;
  const threshold = Math.floor(2 ** 32 / avgRecords);
  const out: ChunkRef[] = [];
  let hash = createHash('sha256');
  let size = 0;
  let count = 0;
  const close = () => {
    out.push({ id: hash.digest('hex'), bytes: size });
    hash = createHash('sha256');
    size = 0;
    count = 0;
  };
  section.records.forEach((record, k) => {
    const entry = varintSize(tag) + varintSize(record.length) + record.length;
    if (count > 0 && size + entry > maxBytes) close();
    const head = Buffer.alloc(10);
    let at = 0;
    for (let v = tag; ; v = Math.floor(v / 128)) {
      if (v < 0x80) {
        head[at++] = v;
        break;
      }
      head[at++] = (v & 0x7f) | 0x80;
    }
    for (let v = record.length; ; v = Math.floor(v / 128)) {
      if (v < 0x80) {
        head[at++] = v;
        break;
      }
      head[at++] = (v & 0x7f) | 0x80;
    }
    hash.update(head.subarray(0, at)).update(record);
    size += entry;
    count++;
    if (fnv1a(section.ids[k]) < threshold) close();
  });
  if (count > 0 || out.length === 0) close();
  return out;
}

/** Bytes of `next` whose chunk ids `previous` does not have: what a save of `next` writes after `previous`. */
export function newBytes(previous: readonly ChunkRef[], next: readonly ChunkRef[]): { chunks: number; bytes: number } {
  const had = new Set(previous.map((c) => c.id));
  let chunks = 0;
  let bytes = 0;
  for (const c of next) {
    if (had.has(c.id)) continue;
    had.add(c.id);
    chunks++;
    bytes += c.bytes;
  }
  return { chunks, bytes };
}
