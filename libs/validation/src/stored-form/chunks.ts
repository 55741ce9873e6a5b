import { WireType } from '@bufbuild/protobuf/wire';
import { packChunkIds, sha256Hex, type OwnerSystem, type StoredForm } from '@persistd/contract';
import { CHUNK_MAX_BYTES, INDEX_CHUNK_RULE, contentDefinedRanges, greedyRanges, recordChunkRanges, type ChunkRange } from './boundaries';
import { varintSize, writeVarint } from '../wire/envelope-walk';
import type { CanonicalSection } from './canonical';

export { CHUNK_MAX_BYTES } from './boundaries';

/** A content-addressed run of one section's record field entries (or, in form 2, of chunk ids). */
export interface Chunk {
  /** Lowercase hex SHA-256 of `bytes`. */
  id: string;
  bytes: Uint8Array;
  records: number;
  /**
   * Set on a chunk the base epoch lists, named without its bytes (`bytes` empty): SaveChanges'
   * fast path lists unchanged chunks it never read. The commit stages only chunks the base does
   * not list, so it never needs these bytes, and refuses to commit if it would.
   */
  inBase?: true;
  /** With `inBase`: the size the chunk is stored at, which the epoch's stored_bytes counts. */
  storedBytes?: number;
}

/** The bytes a chunk is stored at, in hand or not (`inBase`). */
export function storedSizeOf(chunk: Chunk): number {
  return chunk.inBase ? chunk.storedBytes! : chunk.bytes.byteLength;
}

/** One section cut into chunks, in order. */
export interface ChunkedSection {
  system: OwnerSystem;
  chunks: Chunk[];
  records: number;
  /** Stored form 2: the index chunks listing `chunks`, in order. */
  index?: Chunk[];
}

export { sha256Hex } from '@persistd/contract';

/** A chunk of `bytes` holding `records` entries. */
export function chunkOf(bytes: Uint8Array, records: number): Chunk {
  return { id: sha256Hex(bytes), bytes, records };
}

/**
 * A record's entry in its section's repeated field — tag, length, the record's bytes — as a chunk
 * stores it: written into one buffer of its size, a fifth of what a BinaryWriter per record costs.
 */
export function recordEntry(fieldNo: number, record: Uint8Array): Uint8Array {
  const tag = (fieldNo << 3) | WireType.LengthDelimited;
  const out = Buffer.allocUnsafe(varintSize(tag) + varintSize(record.length) + record.length);
  out.set(record, writeVarint(out, writeVarint(out, 0, tag), record.length));
  return out;
}

function cutEntries(section: CanonicalSection, ranges: ChunkRange[]): ChunkedSection {
  const entries = section.records.map((record) => recordEntry(section.recordFieldNo, record));
  const chunks = ranges.map(([from, to]) => chunkOf(Buffer.concat(entries.slice(from, to)), to - from));
  return { system: section.system, chunks, records: section.records.length };
}

/**
 * Cuts a canonical section into chunks as stored form 1 does, greedily, in order: a chunk takes
 * records while its bytes stay at or under `maxBytes`; a larger record stands alone; an empty
 * section is one empty chunk. A chunk holds the encoded `repeated` field entries only, so it
 * depends on its records alone and equal records share chunks across epochs and worlds.
 */
export function cutChunks(section: CanonicalSection, maxBytes = CHUNK_MAX_BYTES): ChunkedSection {
  const size = (k: number) => entrySize(section, k);
  return cutEntries(section, greedyRanges(section.records.length, size, maxBytes));
}

/** Cuts a canonical section in `form`: form 1 greedily, form 2 by record ids, with its index chunks. */
export function cutSection(section: CanonicalSection, form: StoredForm): ChunkedSection {
  const size = (k: number) => entrySize(section, k);
  const cut = cutEntries(section, recordChunkRanges(form, section.records.length, size, (k) => section.ids[k]));
  return form === 1 ? cut : withIndex(cut);
}

/**
 * Adds the index chunks of stored form 2 to a section cut into record chunks: the record chunk
 * ids packed raw and cut by the same rule (their ids are the boundary keys), so a change rewrites
 * the index chunks on its path, not the whole list.
 */
export function withIndex(section: ChunkedSection): ChunkedSection {
  const ids = section.chunks.map((c) => c.id);
  const ranges = contentDefinedRanges(ids.length, () => 32, (k) => ids[k], INDEX_CHUNK_RULE);
  return { ...section, index: ranges.map(([from, to]) => chunkOf(packChunkIds(ids.slice(from, to)), to - from)) };
}

function entrySize(section: CanonicalSection, k: number): number {
  const length = section.records[k].length;
  return varintSize((section.recordFieldNo << 3) | WireType.LengthDelimited) + varintSize(length) + length;
}
