import { createHash } from 'node:crypto';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import type { OwnerSystem } from '@persistd/contract';
import type { CanonicalSection } from './canonical';

/** Largest chunk (DESIGN §5): small enough that no Redis value or transaction stalls other worlds. */
export const CHUNK_MAX_BYTES = 1_048_576;

/** A content-addressed run of one section's record field entries. */
export interface Chunk {
  /** Lowercase hex SHA-256 of `bytes`. */
  id: string;
  bytes: Uint8Array;
  records: number;
}

/** One section cut into chunks, in order. */
export interface ChunkedSection {
  system: OwnerSystem;
  chunks: Chunk[];
  records: number;
}

/** Lowercase hex SHA-256. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function chunkOf(entries: Uint8Array[], records: number): Chunk {
  const bytes = Buffer.concat(entries);
  return { id: sha256Hex(bytes), bytes, records };
}

/**
 * Cuts a canonical section into chunks, greedily, in order: a chunk takes records while its
 * bytes stay at or under CHUNK_MAX_BYTES; a larger record stands alone; an empty section is
 * one empty chunk. A chunk holds the encoded `repeated` field entries only, so it depends on its
 * records alone and equal records share chunks across epochs and worlds.
 */
export function cutChunks(section: CanonicalSection, maxBytes = CHUNK_MAX_BYTES): ChunkedSection {
  const chunks: Chunk[] = [];
  let entries: Uint8Array[] = [];
  let size = 0;
  for (const record of section.records) {
    const entry = new BinaryWriter().tag(section.recordFieldNo, WireType.LengthDelimited).bytes(record).finish();
    if (entries.length > 0 && size + entry.length > maxBytes) {
      chunks.push(chunkOf(entries, entries.length));
      entries = [];
      size = 0;
    }
    entries.push(entry);
    size += entry.length;
  }
  if (entries.length > 0 || chunks.length === 0) chunks.push(chunkOf(entries, entries.length));
  return { system: section.system, chunks, records: section.records.length };
}
