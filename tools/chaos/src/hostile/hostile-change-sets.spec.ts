import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { GetWorldStatusRequestSchema, GetWorldStatusResponseSchema, PersistenceService, SaveRequestSchema, StateSource, rawUnaryCall } from '@persistd/contract';
import { type DaemonProcess, generateWorld, startDaemonProcess } from '@persistd/testkit';
import { hostileChangeSets, sendHostileChangeSets } from './hostile-change-sets';

const path = (name: string) => `/${PersistenceService.typeName}/${name}`;
let daemon: DaemonProcess;
let client: grpc.Client;

beforeAll(async () => {
  daemon = await startDaemonProcess({}, 'hchg');
  client = new grpc.Client(daemon.address, grpc.credentials.createInsecure());
}, 120_000);

afterAll(async () => {
  client?.close();
  await daemon?.stop();
});

describe('hostile change sets', () => {
  it('each is refused with its exact status, reason and path, nothing commits, and the one connection keeps serving', async () => {
    const base = generateWorld({ worldId: 'hc-1', players: 6, zones: 5, npcs: 8, items: 40, quests: 6, seed: 3 });
    const save = create(SaveRequestSchema, { worldId: 'hc-1', expectedEpoch: 0n, requestId: 'hc-base', source: StateSource.AUTHORITATIVE_RUNTIME, snapshot: base });
    await rawUnaryCall(client, path('Save'), toBinary(SaveRequestSchema, save));
    const epochs: bigint[] = [];
    const status = async () => {
      const bytes = await rawUnaryCall(client, path('GetWorldStatus'), toBinary(GetWorldStatusRequestSchema, create(GetWorldStatusRequestSchema, { worldId: 'hc-1' })), { deadline: Date.now() + 10_000 });
      epochs.push(fromBinary(GetWorldStatusResponseSchema, bytes).committedEpoch);
    };
    const cases = hostileChangeSets('hc-1', 1n, base);
    const answers = await sendHostileChangeSets(client, cases, status);
    expect(answers).toEqual(cases.map((c) => ({ name: c.name, wrong: undefined, stillServing: true })));
    expect(epochs).toEqual(cases.map(() => 1n));
    // The channel never reconnected: every call rode the connection it opened first.
    expect(client.getChannel().getConnectivityState(false)).toBe(grpc.connectivityState.READY);
  });
});
