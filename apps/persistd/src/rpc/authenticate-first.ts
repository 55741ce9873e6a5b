import type { DescMessage } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { PersistenceService } from '@persistd/contract';
import type { Authority } from '../auth/authority';
import { CallWatch, type CallSink, type RpcMethod } from './call-observer';
import { Refusal, statusOfRefusal } from './refusal';

/** PersistenceService methods by their grpc-js path; health and reflection are not in it, and stay open (DESIGN §3). */
const GUARDED = new Map<string, { name: RpcMethod; input: DescMessage }>(PersistenceService.methods.map((m) => [`/${PersistenceService.typeName}/${m.name}`, { name: m.name as RpcMethod, input: m.input }]));

/** Nothing of a refused call's body is read: the call log shows 0 bytes in. */
const NOTHING_READ = Buffer.alloc(0);

/**
 * A grpc-js server interceptor that runs authority's first two steps (authentication, the
 * allowlist) on a PersistenceService call's metadata, before its message is read (DESIGN §3 "Who
 * may call"). A refused call is answered at once with the same status and ErrorInfo the handler
 * would give, and its handler never starts: grpc-js leaves the HTTP/2 stream paused until a
 * handler asks for the message, so the body is never accumulated; after the answer grpc-js drains
 * and drops whatever the peer still sends. At most one flow-control window per stream is ever
 * held, so an unauthenticated peer cannot make the daemon buffer a body.
 *
 * The refusal is observed like any other (metrics, the call log), by a CallWatch of its own.
 */
export function authenticateFirst(authority: Authority, sinks: readonly CallSink[]): grpc.ServerInterceptor {
  return (descriptor, call) => {
    const method = GUARDED.get(descriptor.path);
    if (method === undefined || !authority.authenticatesCallers) return new grpc.ServerInterceptingCall(call);
    return new grpc.ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, forward) {
            try {
              authority.admitMetadata({ metadata, getAuthContext: () => call.getAuthContext(), getPeer: () => call.getPeer() }, method.input);
            } catch (e) {
              if (!(e instanceof Refusal)) throw e;
              new CallWatch(method.name, { request: NOTHING_READ, cancelled: false, getPeer: () => call.getPeer(), getDeadline: () => call.getDeadline() }, sinks).failed(e);
              call.sendStatus(statusOfRefusal(e) as Parameters<grpc.ServerInterceptingCallInterface['sendStatus']>[0]);
              return;
            }
            forward(metadata);
          },
        });
      },
    });
  };
}
