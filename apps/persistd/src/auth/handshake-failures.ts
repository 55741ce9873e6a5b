import type { Server as NetServer } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type * as grpc from '@grpc/grpc-js';

/**
 * Calls `onFailure` for every TLS handshake the server refuses (a client without a certificate,
 * or with one from another CA). Such a refusal never reaches a handler and the client only sees
 * UNAVAILABLE, so the server is the one place it can be counted and logged (DESIGN §3).
 *
 * grpc-js (1.14) keeps its http2 servers private and listens to no `tlsClientError`, so this wraps
 * the server's own factory of http2 servers — per instance, before `bindAsync` — and listens on
 * each server it makes. Returns false when a grpc-js version has no such factory (then nothing is
 * counted, and the daemon says so at start).
 */
export function watchHandshakeFailures(server: grpc.Server, onFailure: (peer: string, err: Error) => void): boolean {
  const target = server as unknown as { createHttp2Server?: (credentials: unknown) => NetServer };
  const make = target.createHttp2Server;
  if (typeof make !== 'function') return false;
  target.createHttp2Server = function (this: unknown, credentials: unknown) {
    const http2Server = make.call(this, credentials);
    http2Server.on('tlsClientError', (err: Error, socket: TLSSocket) => {
      onFailure(`${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`, err);
    });
    return http2Server;
  };
  return true;
}
