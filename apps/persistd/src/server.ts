import * as grpc from '@grpc/grpc-js';
import { addService, PersistenceService } from '@persistd/contract';
import type { RpcContext } from './rpc/context';
import { getWorldStatus } from './rpc/get-world-status';
import { toServerError } from './rpc/refusal';
import { restore } from './rpc/restore';
import { save } from './rpc/save';
import { validate } from './rpc/validate';

/**
 * Wires the thin RPC handlers to grpc-js. Every handler's failure goes through toServerError,
 * the one place a refusal becomes a status.
 */
export function createGrpcServer(ctx: RpcContext, options: { maxMessageBytes: number }): grpc.Server {
  const server = new grpc.Server({
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
    <T>(method: string, handler: (ctx: RpcContext, call: grpc.ServerUnaryCall<Buffer, unknown>) => Promise<T>) =>
    (call: grpc.ServerUnaryCall<Buffer, unknown>, callback: grpc.sendUnaryData<T>) => {
      handler(ctx, call).then(
        (res) => callback(null, res),
        (err) => callback(fail(method, err)),
      );
    };

  addService(server, PersistenceService, {
    save: unary('Save', save),
    validate: unary('Validate', validate),
    getWorldStatus: unary('GetWorldStatus', getWorldStatus),
    restore: (call) => {
      restore(ctx, call).then(
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
