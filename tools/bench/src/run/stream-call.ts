import type * as grpc from '@grpc/grpc-js';
import { rawServerStreamCall } from '@persistd/contract';

/** One server-streaming call as the client saw it (messages passed through undecoded). */
export interface StreamTiming {
  /** From the call to the first message. */
  firstMs: number;
  /** From the call to the last message (a restore's activation message). */
  lastMs: number;
  messages: number;
  bytes: number;
}

/** Makes one server-streaming call with request bytes as given and times its messages. */
export function timeStream(client: grpc.Client, path: string, request: Uint8Array, deadlineMs = 120_000): Promise<StreamTiming> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const call = rawServerStreamCall(client, path, request, { deadline: Date.now() + deadlineMs }) as unknown as grpc.ClientReadableStream<Buffer>;
    let firstMs = Number.NaN;
    let lastMs = Number.NaN;
    let messages = 0;
    let bytes = 0;
    call.on('data', (b: Buffer) => {
      lastMs = performance.now() - t0;
      if (messages === 0) firstMs = lastMs;
      messages++;
      bytes += b.length;
    });
    call.on('error', reject);
    call.on('end', () => resolve({ firstMs, lastMs, messages, bytes }));
  });
}
