import { toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import {
  addService,
  DeleteWorldRequestSchema,
  DeleteWorldResponseSchema,
  GetWorldStatusRequestSchema,
  GetWorldStatusResponseSchema,
  PersistenceService,
  RestoreRequestSchema,
  SaveChangesRequestSchema,
  SaveRequestSchema,
  SaveResponseSchema,
  ValidateRequestSchema,
  ValidateResponseSchema,
} from '@persistd/contract';
import { CallWatch, type RpcMethod } from './rpc/call-observer';
import { authenticateFirst } from './rpc/authenticate-first';
import { withBaseReadBudget } from './rpc/base-read-budget';
import type { RpcContext } from './rpc/context';
import { deleteWorld } from './rpc/delete-world';
import { getWorldStatus } from './rpc/get-world-status';
import { intake, type Admitted, type AdmittedSave, type AdmittedValidate } from './rpc/intake';
import { toServerError } from './rpc/refusal';
import { restore } from './rpc/restore';
import { restoreStream } from './rpc/restore-stream';
import { save } from './rpc/save';
import { saveChanges, type AdmittedChanges } from './rpc/save-changes';
import { validate } from './rpc/validate';

/**
 * Wires the thin RPC handlers to grpc-js. A call's credentials are checked on its metadata before
 * its body is read (rpc/authenticate-first.ts). Every request then passes intake (authority, in-flight
 * budget, decode, limits); every failure goes through toServerError, the one place a refusal
 * becomes a status; every handler is tracked until it settles, so shutdown can wait for it; and
 * every call is observed by one CallWatch (call-observer.ts) from arrival to answer, which hands
 * its record to metrics and the call log — no handler measures or logs itself.
 */
export function createGrpcServer(ctx: RpcContext, options: { maxMessageBytes: number; maxConcurrentStreams: number }): grpc.Server {
  const server = new grpc.Server({
    // Past this grpc-js itself answers RESOURCE_EXHAUSTED, without details (DESIGN §3).
    'grpc.max_receive_message_length': options.maxMessageBytes,
    'grpc.max_send_message_length': -1,
    // Bounds the bodies one connection can have in flight (PERSISTD_MAX_CONCURRENT_STREAMS).
    'grpc.max_concurrent_streams': options.maxConcurrentStreams,
    // Credentials are checked on the metadata, before a body is read (DESIGN §3 "Who may call").
    interceptors: [authenticateFirst(ctx.authority, ctx.callSinks)],
  });

  const fail = (method: string, err: unknown) => {
    const st = toServerError(err);
    if (st.internal !== undefined) ctx.logger.error({ err: st.internal, method }, 'handler failed');
    delete st.internal;
    return st;
  };

  const unary =
    <I extends DescMessage, O extends DescMessage>(
      method: RpcMethod,
      input: I,
      output: O,
      handler: (call: grpc.ServerUnaryCall<Buffer, unknown>, admitted: Admitted<MessageShape<I>>) => Promise<MessageShape<O>>,
    ) =>
    (call: grpc.ServerUnaryCall<Buffer, unknown>, callback: grpc.sendUnaryData<Uint8Array>) => {
      const watch = new CallWatch(method, call, ctx.callSinks);
      const answered = intake(ctx, call, input, (admitted) => handler(call, admitted), watch).then((res) => ({ res, bytes: toBinary(output, res) }));
      ctx.calls.track(answered).then(
        // Encoded here, once: the bytes counted are the bytes sent (the bridge passes bytes through).
        ({ res, bytes }) => {
          watch.sent(bytes.byteLength);
          watch.succeeded(res);
          callback(null, bytes);
        },
        (err) => {
          watch.failed(err);
          callback(fail(method, err));
        },
      );
    };

  addService(server, PersistenceService, {
    save: unary('Save', SaveRequestSchema, SaveResponseSchema, (call, a) => save(ctx, call, a as AdmittedSave)),
    saveChanges: unary('SaveChanges', SaveChangesRequestSchema, SaveResponseSchema, (call, a) => withBaseReadBudget(ctx, call, (readBase) => saveChanges(ctx, call, a as AdmittedChanges, readBase))),
    validate: unary('Validate', ValidateRequestSchema, ValidateResponseSchema, (_call, a) => validate(ctx, a as AdmittedValidate)),
    getWorldStatus: unary('GetWorldStatus', GetWorldStatusRequestSchema, GetWorldStatusResponseSchema, (_call, a) => getWorldStatus(ctx, a)),
    deleteWorld: unary('DeleteWorld', DeleteWorldRequestSchema, DeleteWorldResponseSchema, (_call, a) => deleteWorld(ctx, a)),
    restore: (call) => {
      const watch = new CallWatch('Restore', call, ctx.callSinks);
      const out = restoreStream(call, ctx, (bytes) => watch.sent(bytes));
      ctx.calls.track(intake(ctx, call, RestoreRequestSchema, (a) => restore(ctx, out, a), watch)).then(
        (summary) => {
          watch.succeeded(summary);
          call.end();
        },
        (err) => {
          out.end();
          watch.failed(err);
          call.emit('error', fail('Restore', err));
        },
      );
    },
  });
  return server;
}

/** Binds and resolves the port actually bound (0 picks a free one). */
export function bind(server: grpc.Server, address: string, credentials = grpc.ServerCredentials.createInsecure()): Promise<number> {
  return new Promise((resolve, reject) => server.bindAsync(address, credentials, (err, port) => (err ? reject(err) : resolve(port))));
}
