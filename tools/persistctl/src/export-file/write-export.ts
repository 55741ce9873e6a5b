import { open, rename, rm } from 'node:fs/promises';
import { storedFormOf, type EpochMeta } from '@persistd/contract';
import { listRecordChunks } from '@persistd/validation';
import type { Progress } from '../progress';
import { CHUNK_ID_BYTES, EXPORT_MAGIC, EXPORT_VERSION, FRAME, FRAME_HEAD_BYTES, type ExportHeader, type FrameKind } from './format';

/** One stored epoch, as store-redis read it. */
export interface ExportSource {
  worldId: string;
  epoch: bigint;
  metaBytes: Uint8Array;
  meta: EpochMeta;
  chunks: ReadonlyMap<string, Uint8Array>;
  keyPrefix: string;
}

/** What was written. */
export interface ExportSummary {
  fileBytes: number;
  chunks: number;
  chunkBytes: number;
}

/**
 * Distinct chunk ids in manifest order, the order frames are written in: stored form 1's chunks;
 * stored form 2's index chunks, then the record chunks they list (read from `chunks`; an index
 * chunk absent or damaged lists nothing, and the verification reports it).
 */
export function chunkOrder(meta: EpochMeta, chunks: ReadonlyMap<string, Uint8Array>): string[] {
  if (storedFormOf(meta) !== 2) return [...new Set(meta.sections.flatMap((s) => s.chunkIds))];
  const listed = listRecordChunks(meta, chunks);
  return [...new Set([...meta.sections.flatMap((s) => s.indexChunkIds), ...(Array.isArray(listed) ? listed.flat() : [])])];
}

function frameHead(kind: FrameKind, length: number): Buffer {
  const b = Buffer.alloc(FRAME_HEAD_BYTES);
  b.writeUInt8(kind, 0);
  b.writeUInt32BE(length, 1);
  return b;
}

/**
 * Writes an export file (format.ts) next to `path`, flushes it to disk, then renames it into
 * place: a crash leaves the previous file or none, never half a backup.
 */
export async function writeExport(path: string, source: ExportSource, progress: Progress, exportedAt: Date): Promise<ExportSummary> {
  const ids = chunkOrder(source.meta, source.chunks);
  const chunkBytes = ids.reduce((n, id) => n + source.chunks.get(id)!.length, 0);
  const header: ExportHeader = {
    format: 'persistd-export',
    version: EXPORT_VERSION,
    world_id: source.worldId,
    epoch: source.epoch.toString(),
    content_digest: source.meta.contentDigest,
    chunks: ids.length,
    chunk_bytes: chunkBytes,
    exported_at: exportedAt.toISOString(),
    key_prefix: source.keyPrefix,
  };
  const temp = `${path}.partial-${process.pid}`;
  const fh = await open(temp, 'w', 0o600);
  let fileBytes = 0;
  const write = async (...parts: Uint8Array[]) => {
    for (const p of parts) {
      await fh.write(p);
      fileBytes += p.length;
    }
  };
  try {
    const version = Buffer.alloc(4);
    version.writeUInt32BE(EXPORT_VERSION);
    await write(EXPORT_MAGIC, version);
    const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
    await write(frameHead(FRAME.HEADER, headerBytes.length), headerBytes);
    await write(frameHead(FRAME.META, source.metaBytes.length), source.metaBytes);
    for (const id of ids) {
      const bytes = source.chunks.get(id)!;
      await write(frameHead(FRAME.CHUNK, CHUNK_ID_BYTES + bytes.length), Buffer.from(id, 'hex'), bytes);
      progress.advance(bytes.length);
    }
    const count = Buffer.alloc(4);
    count.writeUInt32BE(ids.length);
    await write(frameHead(FRAME.END, 4), count);
    await fh.sync();
    await fh.close();
    await rename(temp, path);
  } catch (e) {
    await fh.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw e;
  }
  progress.done();
  return { fileBytes, chunks: ids.length, chunkBytes };
}
