import { BATCH_LIMITS, worldKeys } from '@persistd/store-redis';
import Redis from 'ioredis';

/** The stored form of one world: what a commit writes. */
export interface CommitPayload {
  chunks: { id: string; bytes: Uint8Array }[];
  metaBytes: Uint8Array;
}

/**
 * The raw commit limit (bench limit a): the same chunk bytes committed with plain ioredis, the
 * way DESIGN §5 commits them — stage with SET NX EX, WATCH the pointer and the chunks, check they
 * exist, MULTI: PERSIST, SET meta, SET pointer, SET request record, EXEC — on one dedicated
 * connection per worker. No validation, no encoding, no retention, no retry: what Redis can take.
 */
export class RawCommitter {
  private constructor(
    private readonly conns: Redis[],
    private readonly prefix: string,
    private readonly payload: CommitPayload,
  ) {}

  static async open(redisUrl: string, prefix: string, payload: CommitPayload, connections: number): Promise<RawCommitter> {
    const conns = Array.from({ length: connections }, () => new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true }));
    await Promise.all(conns.map((c) => c.connect()));
    return new RawCommitter(conns, prefix, payload);
  }

  /** Commits the payload as epoch 1 of `worldId` on worker `worker`'s connection. */
  async commit(worldId: string, worker: number): Promise<void> {
    const conn = this.conns[worker];
    const keys = worldKeys(this.prefix, worldId);
    const chunkKeys = this.payload.chunks.map((c) => keys.chunk(c.id));
    let batch = conn.pipeline();
    let n = 0;
    let size = 0;
    for (const [i, c] of this.payload.chunks.entries()) {
      if (n > 0 && (n >= BATCH_LIMITS.maxKeys || size + c.bytes.length > BATCH_LIMITS.maxBytes)) {
        await batch.exec();
        batch = conn.pipeline();
        n = 0;
        size = 0;
      }
      batch.set(chunkKeys[i], Buffer.from(c.bytes.buffer, c.bytes.byteOffset, c.bytes.byteLength), 'EX', 600, 'NX');
      n++;
      size += c.bytes.length;
    }
    await batch.exec();
    const reqKey = keys.req(`req-${worldId}`);
    const checked = await conn.pipeline().watch(keys.epoch, ...chunkKeys).exists(...chunkKeys).get(keys.epoch).get(reqKey).exec();
    if (!checked || Number(checked[1][1]) !== chunkKeys.length || checked[2][1] !== null) throw new Error(`raw commit of ${worldId}: unexpected state before MULTI`);
    const m = conn.multi();
    for (const k of chunkKeys) m.persist(k);
    m.set(keys.meta(1n), Buffer.from(this.payload.metaBytes));
    m.set(keys.epoch, '1');
    m.set(reqKey, '1', 'EX', 86_400);
    const done = await m.exec();
    if (!done) throw new Error(`raw commit of ${worldId}: EXEC aborted`);
  }

  close(): void {
    for (const c of this.conns) c.disconnect();
  }
}
