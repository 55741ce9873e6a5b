import * as grpc from '@grpc/grpc-js';
import { addService, PersistenceService, type RawHandlers } from '@persistd/contract';

/** A real grpc-js server on a free loopback port, for tests: the SDK talks to it as to persistd. */
export interface TestServer {
  address: string;
  stop(): Promise<void>;
}

type Handlers = RawHandlers<typeof PersistenceService>;

const unimplemented = (_call: unknown, callback?: grpc.sendUnaryData<never>) => callback?.({ code: grpc.status.UNIMPLEMENTED, details: 'not in this test' });

/**
 * @internal test support. Binds 127.0.0.1:0, reads the port back, and registers the handlers
 * through the same bridge persistd uses; methods left out answer UNIMPLEMENTED.
 */
export async function startTestServer(handlers: Partial<Handlers>): Promise<TestServer> {
  const server = new grpc.Server();
  addService(server, PersistenceService, {
    save: unimplemented,
    validate: unimplemented,
    getWorldStatus: unimplemented,
    restore: (call) => call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'not in this test' }),
    ...handlers,
  } as Handlers);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    address: `127.0.0.1:${port}`,
    // force: tests leave calls hanging on purpose (deadlines, cancellation)
    stop: async () => server.forceShutdown(),
  };
}
