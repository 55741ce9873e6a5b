import { fromBinary } from '@bufbuild/protobuf';
import { EpochMetaSchema, type EpochMeta } from '@persistd/contract';
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

/** Every chunk id an epoch lists, over all its sections, first occurrence first, each once. */
export function chunkIdsOf(meta: EpochMeta): string[] {
  const seen = new Set<string>();
  for (const section of meta.sections) for (const id of section.chunkIds) seen.add(id);
  return [...seen];
}
