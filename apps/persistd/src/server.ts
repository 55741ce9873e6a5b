import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { addService, GetWorldStatusRequestSchema, PersistenceService, RestoreRequestSchema, SaveRequestSchema, ValidateRequestSchema } from '@persistd/contract';
import type { RpcContext } from './rpc/context';
import { getWorldStatus } from './rpc/get-world-status';
import { intake, type Admitted } from './rpc/intake';
import { toServerError } from './rpc/refusal';
import { restore } from './rpc/restore';
import { save } from './rpc/save';
import { validate } from './rpc/validate';

/**
 * Wires the thin RPC handlers to grpc-js. Every request passes intake first (authority, in-flight
 * budget, decode, limits); every failure goes through toServerError, the one place a refusal
 * becomes a status; every handler is tracked until it settles, so shutdown can wait for it.
 */
export function createGrpcServer(ctx: RpcContext, options: { maxMessageBytes: number }): grpc.Server {
  const server = new grpc.Server({
    // Past this grpc-js itself answers RESOURCE_EXHAUSTED, without details (DESIGN §3).
    'grpc.max_receive_message_length': options.maxMessageBytes,
    'grpc.max_send_message_length': -1,
  });

  const fail = (method: string, err: unknown) => {
    const st = toServerError(err);
    if (st.internal !== undefined) ctx.logger.error({ err: st.internal, method }, 'handler failed');
    delete st.internal;
    return st;
  };

  const unary =
    <D extends DescMessage, T>(method: string, desc: D, handler: (call: grpc.ServerUnaryCall<Buffer, unknown>, admitted: Admitted<MessageShape<D>>) => Promise<T>) =>
    (call: grpc.ServerUnaryCall<Buffer, unknown>, callback: grpc.sendUnaryData<T>) => {
      ctx.calls.track(intake(ctx, call, desc, (admitted) => handler(call, admitted))).then(
        (res) => callback(null, res),
        (err) => callback(fail(method, err)),
      );
    };

  addService(server, PersistenceService, {
    save: unary('Save', SaveRequestSchema, (call, a) => save(ctx, call, a)),
    validate: unary('Validate', ValidateRequestSchema, (_call, a) => validate(ctx, a)),
    getWorldStatus: unary('GetWorldStatus', GetWorldStatusRequestSchema, (_call, a) => getWorldStatus(ctx, a)),
    restore: (call) => {
      ctx.calls.track(intake(ctx, call, RestoreRequestSchema, (a) => restore(ctx, call, a))).then(
        () => call.end(),
        (err) => call.emit('error', fail('Restore', err)),
      );
    },
  });
  return server;
}

/** Binds and resolves the port actually bound (0 picks a free one). */
export function bind(server: grpc.Server, address: string, credentials = grpc.ServerCredentials.createInsecure()): Promise<number> {
  return new Promise((resolve, reject) => server.bindAsync(address, credentials, (err, port) => (err ? reject(err) : resolve(port))));
}
