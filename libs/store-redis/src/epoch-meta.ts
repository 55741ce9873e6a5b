import { createHash } from 'node:crypto';
import { fromBinary } from '@bufbuild/protobuf';
import { EpochMetaSchema, storedFormOf, unpackChunkIds, type EpochMeta } from '@persistd/contract';
import { StoreError } from './store-error';

/**
 * Decodes stored EpochMeta bytes. The store reads metas only for their chunk lists (retention,
 * reads); it never judges them — digests and versions are the validation lib's business.
 * Bytes that do not decode at all are damage at rest: DIGEST_MISMATCH.
 */
export function decodeEpochMeta(bytes: Uint8Array, key: string): EpochMeta {
  try {
    return fromBinary(EpochMetaSchema, bytes);
  } catch (cause) {
    throw new StoreError('DIGEST_MISMATCH', `${key} does not decode as an EpochMeta`, { metadata: { key }, cause });
  }
}

/**
 * The chunk ids a meta names itself, over all its sections, first occurrence first, each once:
 * in stored form 1 every chunk of the epoch, in form 2 its index chunks (which name the rest).
 */
export function chunkIdsOf(meta: EpochMeta): string[] {
  const seen = new Set<string>();
  const form2 = storedFormOf(meta) === 2;
  for (const section of meta.sections) for (const id of form2 ? section.indexChunkIds : section.chunkIds) seen.add(id);
  return [...seen];
}

/**
 * The record chunk ids an index chunk lists — only once its bytes hash to its id, so that a
 * damaged index chunk is never followed (the reader reports it as damage, not as absent chunks).
 */
export function indexedIds(id: string, bytes: Uint8Array): readonly string[] | undefined {
  if (createHash('sha256').update(bytes).digest('hex') !== id) return undefined;
  return unpackChunkIds(bytes);
}

/**
 * Every chunk an epoch lists: what its meta names and, in form 2, what its index chunks name
 * (`index` gives an index chunk's bytes). Undefined when an index chunk is absent or damaged.
 */
export function listedChunks(meta: EpochMeta, index: (id: string) => Uint8Array | undefined): Set<string> | undefined {
  const listed = new Set(chunkIdsOf(meta));
  if (storedFormOf(meta) !== 2) return listed;
  for (const id of chunkIdsOf(meta)) {
    const bytes = index(id);
    const children = bytes && indexedIds(id, bytes);
    if (!children) return undefined;
    for (const child of children) listed.add(child);
  }
  return listed;
}
