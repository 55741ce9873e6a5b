import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import { create, toBinary } from '@bufbuild/protobuf';
import { status } from '@grpc/grpc-js';
import { RestoreRequestSchema } from '@persistd/contract';

const RESTORE_PATH = '/caelmor.persist.v1.PersistenceService/Restore';

/** How a gRPC call on a raw HTTP/2 stream ended. */
export interface RawCallEnd {
  code: status;
  /** Milliseconds from the call's start to its end. */
  afterMs: number;
  /** Bytes of response messages the client took (a stalled reader: none). */
  bytesRead: number;
}

/** A Restore whose client never reads a byte of the answer: the hostile reader DESIGN §6 bounds. */
export interface StalledRestore {
  /** Resolves when the call ends, however it ends (never rejects). */
  ended: Promise<RawCallEnd>;
  /** A normal call (read whole) on the same HTTP/2 connection: does it keep serving? */
  callOnSameConnection(path: string, request: Uint8Array): Promise<RawCallEnd>;
  /** Closes the connection (cleanup; idempotent). */
  close(): void;
}

/** A length-prefixed gRPC message. */
function grpcFrame(message: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.byteLength, 1);
  return Buffer.concat([head, message]);
}

/** The gRPC status of a raw stream: from trailers (or trailers-only headers), else from its RST_STREAM code. */
function callOn(session: ClientHttp2Session, path: string, request: Uint8Array, metadata: Record<string, string>, read: boolean): Promise<RawCallEnd> {
  const started = Date.now();
  const stream: ClientHttp2Stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', ...metadata });
  let bytesRead = 0;
  let code: status | undefined;
  const fromHeaders = (h: IncomingHttpHeaders) => {
    const s = h['grpc-status'];
    if (s !== undefined) code = Number(s) as status;
  };
  stream.on('response', fromHeaders);
  stream.on('trailers', fromHeaders);
  if (read) stream.on('data', (b: Buffer) => (bytesRead += b.byteLength));
  else stream.pause(); // never read: the stream's HTTP/2 window closes once its first 64 KiB arrived
  stream.end(grpcFrame(request));
  return new Promise((resolve) => {
    stream.on('error', () => undefined); // the RST code below says it all
    stream.once('close', () => {
      const rst = stream.rstCode ?? constants.NGHTTP2_NO_ERROR;
      const fromRst = rst === constants.NGHTTP2_ENHANCE_YOUR_CALM ? status.RESOURCE_EXHAUSTED : rst === constants.NGHTTP2_NO_ERROR ? status.INTERNAL : status.CANCELLED;
      resolve({ code: code ?? fromRst, afterMs: Date.now() - started, bytesRead });
    });
  });
}

/**
 * Opens a connection of its own to `address` and starts a Restore of `worldId` that never reads
 * its answer: HTTP/2 flow control then holds the daemon's writes, as with a game server that hung
 * mid-restore. `metadata` carries e.g. `authorization`.
 */
export function stalledRestore(address: string, worldId: string, metadata: Record<string, string> = {}): StalledRestore {
  const session = connect(`http://${address}`);
  session.on('error', () => undefined); // each call reports how it ended
  const request = toBinary(RestoreRequestSchema, create(RestoreRequestSchema, { worldId }));
  return {
    ended: callOn(session, RESTORE_PATH, request, metadata, false),
    callOnSameConnection: (path, req) => callOn(session, path, req, metadata, true),
    close: () => {
      if (!session.closed && !session.destroyed) session.destroy();
    },
  };
}
