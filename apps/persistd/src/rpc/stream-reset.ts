import { constants, type ServerHttp2Stream } from 'node:http2';

/** The HTTP/2 stream under a grpc-js server call, if this grpc-js still keeps it where 1.14 does. */
function http2StreamOf(call: object): ServerHttp2Stream | undefined {
  // grpc-js gives no public way to reset a call's stream: its ServerWritableStream holds a chain of
  // intercepting calls (`call`, then `nextCall`…) ending in the one that owns the HTTP/2 stream.
  let link = (call as { call?: unknown }).call;
  for (let depth = 0; depth < 16 && link !== null && typeof link === 'object'; depth++) {
    const stream = (link as { stream?: unknown }).stream;
    if (stream !== null && typeof stream === 'object' && typeof (stream as ServerHttp2Stream).close === 'function' && 'rstCode' in stream) return stream as ServerHttp2Stream;
    link = (link as { nextCall?: unknown }).nextCall;
  }
  return undefined;
}

/**
 * Resets a server call's stream with ENHANCE_YOUR_CALM (which gRPC clients read as
 * RESOURCE_EXHAUSTED), dropping whatever it still had queued for a peer that stopped reading. A
 * status cannot do this: trailers queue behind the unread data. Returns false when the stream
 * cannot be reached (the caller then falls back on cancelling the call).
 */
export function resetCallStream(call: object): boolean {
  const stream = http2StreamOf(call);
  if (!stream) return false;
  if (!stream.closed && !stream.destroyed) stream.close(constants.NGHTTP2_ENHANCE_YOUR_CALM);
  return true;
}
