import * as http2 from 'node:http2';

/** How a unary gRPC call ended, as the HTTP/2 frames carried it. */
export interface RawGrpcAnswer {
  /** grpc-status of the answer. */
  status: number;
  /** The header block that carried grpc-status (the trailers, or the headers of a trailers-only answer). */
  statusBlock: Record<string, string>;
  /**
   * Size of that block as HPACK counts it (RFC 7541 §4.1: name + value + 32 per field), the
   * measure gRPC's C core and Java hold to their 8 KiB default.
   */
  statusBlockBytes: number;
}

/**
 * One unary gRPC call over plain HTTP/2, below any gRPC library, to see the trailers exactly as
 * the server sent them. `session` lets several calls share one connection; without it, one is
 * opened for the call and closed after. Rejects after `timeoutMs` (a call that never ends).
 */
export async function rawGrpcUnary(target: { address: string } | { session: http2.ClientHttp2Session }, path: string, body: Uint8Array, timeoutMs: number): Promise<RawGrpcAnswer> {
  const own = 'address' in target ? http2.connect(`http://${target.address}`) : undefined;
  const session = own ?? (target as { session: http2.ClientHttp2Session }).session;
  try {
    return await new Promise<RawGrpcAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        stream.close(http2.constants.NGHTTP2_CANCEL);
        reject(new Error(`${path}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' });
      const finish = (block: http2.IncomingHttpHeaders) => {
        clearTimeout(timer);
        const statusBlock = Object.fromEntries(Object.entries(block).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]));
        const statusBlockBytes = Object.entries(statusBlock).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v) + 32, 0);
        resolve({ status: Number(statusBlock['grpc-status']), statusBlock, statusBlockBytes });
      };
      stream.on('response', (headers) => {
        if (headers['grpc-status'] !== undefined) finish(headers); // trailers-only answer
      });
      stream.on('trailers', finish);
      stream.on('data', () => undefined); // a response message, if any: read and dropped
      stream.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      const frame = Buffer.alloc(5 + body.length);
      frame.writeUInt32BE(body.length, 1);
      frame.set(body, 5);
      stream.end(frame);
    });
  } finally {
    own?.close();
  }
}
