import { fromBinary } from '@bufbuild/protobuf';
import { EpochMetaSchema, unpackChunkIds } from '@persistd/contract';
import { worldKeys } from '@persistd/store-redis';

/** Every chunk id a stored meta lists, walking form 2's index chunks: what retention must keep. */
export async function chunksListedBy(redis: { getBuffer(key: string): Promise<Buffer | null> }, prefix: string, worldId: string, metaKey: string): Promise<Set<string>> {
  const meta = fromBinary(EpochMetaSchema, (await redis.getBuffer(metaKey))!);
  const listed = new Set<string>();
  for (const s of meta.sections) {
    s.chunkIds.forEach((id) => listed.add(id));
    for (const id of s.indexChunkIds) {
      listed.add(id);
      const bytes = await redis.getBuffer(worldKeys(prefix, worldId).chunk(id));
      for (const child of bytes ? (unpackChunkIds(bytes) ?? []) : []) listed.add(child);
    }
  }
  return listed;
}
