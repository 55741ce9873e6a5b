/**
 * The grpc-js stream limit (bench limit d), run in its own process: a server-streaming method that
 * sends a world's stored epoch as the very RestoreResponse messages persistd would (same framing,
 * same chunk sizes), from memory, with the same backpressure — no Redis, no verification. What a
 * restore could reach if persistd cost nothing.
 *
 *   node <bundle of this file> <redis-url> <key-prefix>   (StreamLimit.start bundles and runs it)
 *
 * Prints `{"port":N}` once listening. Methods (raw bytes both ways):
 *   /bench.StreamLimit/Load     request: world id (UTF-8) -> reads and frames the latest epoch
 *   /bench.StreamLimit/Restore  request: world id (UTF-8) -> streams the framed messages
 */
import * as grpc from '@grpc/grpc-js';
import { restoreFrames } from '@persistd/validation';
import Redis from 'ioredis';
import { readRawEpoch } from '../run/stored-epoch';

export const STREAM_LIMIT_SERVICE = 'bench.StreamLimit';

const raw = { requestSerialize: (b: Buffer) => b, requestDeserialize: (b: Buffer) => b, responseSerialize: (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength), responseDeserialize: (b: Buffer) => b };

/** The grpc-js definition of the limit service (raw bytes). */
export const STREAM_LIMIT_DEFINITION: grpc.ServiceDefinition = {
  load: { path: `/${STREAM_LIMIT_SERVICE}/Load`, requestStream: false, responseStream: false, ...raw },
  restore: { path: `/${STREAM_LIMIT_SERVICE}/Restore`, requestStream: false, responseStream: true, ...raw },
} as unknown as grpc.ServiceDefinition;

/** The messages persistd's Restore sends for a stored epoch (its rpc/restore.ts, minus the checks). */
async function framesOf(redis: Redis, prefix: string, worldId: string): Promise<Uint8Array[]> {
  const stored = await readRawEpoch(redis, prefix, worldId);
  const byId = new Map([...stored.indexChunks, ...stored.chunks].map((c) => [c.id, c.bytes]));
  return [...restoreFrames(stored.epoch, stored.meta, byId)].map((f) => f.bytes);
}

async function main(): Promise<void> {
  const [redisUrl, prefix] = process.argv.slice(2);
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const loaded = new Map<string, Uint8Array[]>();
  const server = new grpc.Server({ 'grpc.max_send_message_length': -1, 'grpc.max_receive_message_length': -1 });
  server.addService(STREAM_LIMIT_DEFINITION, {
    load: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      const worldId = call.request.toString('utf8');
      framesOf(redis, prefix, worldId).then(
        (frames) => {
          loaded.set(worldId, frames);
          callback(null, Buffer.alloc(0));
        },
        (e) => callback({ code: grpc.status.NOT_FOUND, details: (e as Error).message }),
      );
    },
    restore: async (call: grpc.ServerWritableStream<Buffer, Uint8Array>) => {
      const frames = loaded.get(call.request.toString('utf8'));
      if (!frames) {
        call.emit('error', { code: grpc.status.NOT_FOUND, details: 'not loaded' });
        return;
      }
      for (const f of frames) {
        if (call.cancelled) return;
        if (!call.write(f)) await new Promise<void>((resolve) => call.once('drain', resolve));
      }
      call.end();
    },
  });
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
    if (err) throw err;
    process.stdout.write(`${JSON.stringify({ port })}\n`);
  });
  const stop = () => server.tryShutdown(() => redis.quit().finally(() => process.exit(0)));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (require.main === module) void main();
