import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { addService, createClient, rawServiceDefinition, rawUnaryCall, type RawHandlers } from './grpc-bridge';
import { GetWorldStatusRequestSchema, PersistenceService, RestorePhase, RestoreResponseSchema, SaveRequestSchema, SaveResponseSchema } from './gen/caelmor/persist/v1/persistence_pb';

describe('grpc bridge', () => {
  let server: grpc.Server;
  let address: string;
  const seen: Buffer[] = [];

  const handlers: RawHandlers<typeof PersistenceService> = {
    save: (call, cb) => {
      seen.push(call.request);
      const req = fromBinary(SaveRequestSchema, call.request);
      cb(null, create(SaveResponseSchema, { worldId: req.worldId, committedEpoch: req.expectedEpoch + 1n }));
    },
    restore: (call) => {
      // One message as an object, one already encoded: both go out as the same kind of bytes.
      call.write(create(RestoreResponseSchema, { phase: RestorePhase.PLAYERS, epoch: 3n }));
      call.write(toBinary(RestoreResponseSchema, create(RestoreResponseSchema, { phase: RestorePhase.WORLD, epoch: 3n })));
      call.end();
    },
    saveChanges: (_call, cb) => cb({ code: grpc.status.UNIMPLEMENTED }),
    validate: (_call, cb) => cb({ code: grpc.status.UNIMPLEMENTED }),
    getWorldStatus: (call, cb) => cb(null, toBinary(SaveResponseSchema, create(SaveResponseSchema, { worldId: fromBinary(GetWorldStatusRequestSchema, call.request).worldId }))),
    deleteWorld: (_call, cb) => cb({ code: grpc.status.UNIMPLEMENTED }),
  };

  beforeAll(async () => {
    server = new grpc.Server();
    addService(server, PersistenceService, handlers);
    const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
    address = `127.0.0.1:${port}`;
  });
  afterAll(() => new Promise<void>((res) => server.tryShutdown(() => res())));

  it('derives one method per RPC from the descriptor, with its path and streaming flag', () => {
    const def = rawServiceDefinition(PersistenceService);
    expect(Object.keys(def).sort()).toEqual(['deleteWorld', 'getWorldStatus', 'restore', 'save', 'saveChanges', 'validate']);
    expect(def.save.path).toBe('/caelmor.persist.v1.PersistenceService/Save');
    expect(def.saveChanges.path).toBe('/caelmor.persist.v1.PersistenceService/SaveChanges');
    expect(def.restore.responseStream).toBe(true);
    expect(def.save.responseStream).toBe(false);
  });

  it('hands the handler the request bytes undecoded and answers typed clients', async () => {
    const client = createClient(PersistenceService, address);
    try {
      const res = await client.save({ worldId: 'w', expectedEpoch: 4n });
      expect(res.committedEpoch).toBe(5n);
      expect(Buffer.isBuffer(seen[seen.length - 1])).toBe(true);
      expect(fromBinary(SaveRequestSchema, seen[seen.length - 1]).worldId).toBe('w');
    } finally {
      client.close();
    }
  });

  it('streams messages and pre-encoded bytes alike', async () => {
    const client = createClient(PersistenceService, address);
    try {
      const phases: RestorePhase[] = [];
      for await (const m of client.restore({ worldId: 'w' })) phases.push(m.phase);
      expect(phases).toEqual([RestorePhase.PLAYERS, RestorePhase.WORLD]);
    } finally {
      client.close();
    }
  });

  it('sends raw request bytes as given and returns raw response bytes', async () => {
    const client = createClient(PersistenceService, address);
    try {
      const bytes = await rawUnaryCall(client.grpc, '/caelmor.persist.v1.PersistenceService/Save', toBinary(SaveRequestSchema, create(SaveRequestSchema, { worldId: 'raw' })));
      expect(fromBinary(SaveResponseSchema, bytes).worldId).toBe('raw');
      await expect(client.validate({})).rejects.toMatchObject({ code: grpc.status.UNIMPLEMENTED });
    } finally {
      client.close();
    }
  });
});
