import { fromBinary } from '@bufbuild/protobuf';
import { EpochMetaSchema, storedFormOf, unpackChunkIds, type EpochMeta } from '@persistd/contract';
import { BATCH_LIMITS, worldKeys } from '@persistd/store-redis';
import type Redis from 'ioredis';

/** A committed epoch as plain Redis reads return it. */
export interface RawEpoch {
  epoch: bigint;
  meta: EpochMeta;
  metaBytes: Buffer;
  /** Record chunk bytes in manifest order (restore order), one entry per listed chunk id. */
  chunks: { id: string; bytes: Buffer }[];
  /** Stored form 2: the index chunks that list them (empty in form 1); framing lists the record chunks through them. */
  indexChunks: { id: string; bytes: Buffer }[];
  /** Bytes of meta and chunks read. */
  bytes: number;
}

/**
 * The raw read of a world's latest epoch, the limit a restore is compared with (DESIGN §5
 * "Read" without any check): GET the pointer, GET the meta, MGET the chunks in the store's batch
 * size. Only the meta is decoded, for its chunk ids.
 */
export async function readRawEpoch(redis: Redis, prefix: string, worldId: string): Promise<RawEpoch> {
  const keys = worldKeys(prefix, worldId);
  const pointer = await redis.get(keys.epoch);
  if (pointer === null) throw new Error(`bench: world ${worldId} was never saved`);
  const epoch = BigInt(pointer);
  const metaBytes = await redis.getBuffer(keys.meta(epoch));
  if (!metaBytes) throw new Error(`bench: meta of ${worldId} epoch ${epoch} is absent`);
  const meta = fromBinary(EpochMetaSchema, metaBytes);
  const chunks: { id: string; bytes: Buffer }[] = [];
  let bytes = metaBytes.length;
  // Stored form 2: the index chunks first, then the record chunks they list.
  const form2 = storedFormOf(meta) === 2;
  // The store's batch size for the form: 16 of form 1's large chunks, 256 of form 2's small ones.
  const perRead = form2 ? BATCH_LIMITS.maxSmallChunkKeysPerRead : BATCH_LIMITS.maxChunkKeysPerRead;
  const read = async (ids: string[]) => {
    const out: Buffer[] = [];
    for (let i = 0; i < ids.length; i += perRead) {
      const batch = ids.slice(i, i + perRead);
      const values = await redis.mgetBuffer(...batch.map((id) => keys.chunk(id)));
      values.forEach((v, k) => {
        if (!v) throw new Error(`bench: chunk ${batch[k]} of ${worldId} is absent`);
        bytes += v.length;
        out.push(v);
      });
    }
    return out;
  };
  const roots = meta.sections.flatMap((s) => (form2 ? s.indexChunkIds : s.chunkIds));
  const rootBytes = await read(roots);
  const ids = form2 ? rootBytes.flatMap((b) => unpackChunkIds(b) ?? []) : roots;
  const idBytes = form2 ? await read(ids) : rootBytes;
  ids.forEach((id, k) => chunks.push({ id, bytes: idBytes[k] }));
  const indexChunks = form2 ? roots.map((id, k) => ({ id, bytes: rootBytes[k] })) : [];
  return { epoch, meta, metaBytes, chunks, indexChunks, bytes };
}
