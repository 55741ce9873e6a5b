import { clone, create, toBinary } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { status } from '@grpc/grpc-js';
import { rawUnaryCall, SaveRequestSchema, StateSource, WorldSnapshotSchema, type WorldSnapshot } from '@persistd/contract';
import { smallWorld } from '@persistd/testkit';
import { dumpStore, refusalOf, saveRequest, startTestDaemon, type TestDaemon } from './test/test-daemon';

/**
 * One test per code of DESIGN §4 that a request can meet, through gRPC: the exact status and
 * reason, and the stored world unchanged afterwards.
 */
describe('refusals', () => {
  let t: TestDaemon;
  let baseRequestId: string;
  const world = 'coded';
  const next = () => smallWorld(world, 1n, 2);

  beforeAll(async () => {
    t = await startTestDaemon();
    const req = saveRequest(world, smallWorld(world, 0n, 1));
    baseRequestId = req.requestId;
    await t.client.save(req);
  });
  afterAll(() => t.stop());

  async function expectRefusedSave(mutate: (s: WorldSnapshot) => void, code: number, reason: string, request: Partial<ReturnType<typeof saveRequest>> = {}) {
    const before = await dumpStore(t.redis, t.prefix);
    const snapshot = next();
    mutate(snapshot);
    const err = await refusalOf(t.client.save({ ...saveRequest(world, snapshot, 1n), ...request }));
    expect({ code: err.code, reason: err.reason }).toEqual({ code, reason });
    expect(await dumpStore(t.redis, t.prefix)).toEqual(before);
    return err;
  }

  it('MALFORMED_REQUEST: bytes that do not parse', async () => {
    const before = await dumpStore(t.redis, t.prefix);
    const err = await refusalOf(rawUnaryCall(t.client.grpc, '/caelmor.persist.v1.PersistenceService/Save', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f])));
    expect({ code: err.code, reason: err.reason }).toEqual({ code: status.INVALID_ARGUMENT, reason: 'MALFORMED_REQUEST' });
    expect(await dumpStore(t.redis, t.prefix)).toEqual(before);
  });

  it('FORBIDDEN_SOURCE: state that is not the authoritative runtime', async () => {
    for (const source of [StateSource.CLIENT, StateSource.REPLICATION_SNAPSHOT, StateSource.EVENT_REPLAY, StateSource.UNSPECIFIED]) {
      await expectRefusedSave(() => undefined, status.INVALID_ARGUMENT, 'FORBIDDEN_SOURCE', { source });
    }
  });

  it('PARTIAL_SAVE: a section is absent', async () => {
    const err = await expectRefusedSave((s) => (s.npcs = undefined), status.INVALID_ARGUMENT, 'PARTIAL_SAVE');
    expect(err.violations).toEqual([{ field: 'snapshot.npcs', description: expect.stringMatching(/^PARTIAL_SAVE: /) }]);
  });

  it('UNSUPPORTED_VERSION: a schema this daemon cannot read', async () => {
    await expectRefusedSave(
      (s) => {
        s.schemaVersion = 2;
        for (const x of [s.players, s.world, s.npcs, s.items, s.quests]) x!.schemaVersion = 2;
      },
      status.INVALID_ARGUMENT,
      'UNSUPPORTED_VERSION',
    );
  });

  it('MIXED_VERSION: a section of another version', async () => {
    await expectRefusedSave((s) => (s.items!.schemaVersion = 2), status.INVALID_ARGUMENT, 'MIXED_VERSION');
  });

  it('MIXED_EPOCH: a section descending from another epoch', async () => {
    await expectRefusedSave((s) => (s.quests!.sourceEpoch = 0n), status.INVALID_ARGUMENT, 'MIXED_EPOCH');
  });

  it('WORLD_MISMATCH: the world section names another world', async () => {
    await expectRefusedSave((s) => (s.world!.worldId = 'another'), status.INVALID_ARGUMENT, 'WORLD_MISMATCH');
  });

  it('RUNTIME_STATE: a runtime-only field is set', async () => {
    await expectRefusedSave((s) => (s.npcs!.npcs[0].aiState = 'chasing'), status.INVALID_ARGUMENT, 'RUNTIME_STATE');
  });

  it('RUNTIME_STATE: an unknown field on the request envelope itself', async () => {
    const before = await dumpStore(t.redis, t.prefix);
    const bytes = new BinaryWriter()
      .raw(toBinary(SaveRequestSchema, create(SaveRequestSchema, saveRequest(world, next(), 1n))))
      .tag(1000, WireType.LengthDelimited)
      .string('not in the schema')
      .finish();
    const err = await refusalOf(rawUnaryCall(t.client.grpc, '/caelmor.persist.v1.PersistenceService/Save', bytes));
    expect({ code: err.code, reason: err.reason, field: err.violations[0]?.field }).toEqual({ code: status.INVALID_ARGUMENT, reason: 'RUNTIME_STATE', field: 'request' });
    expect(await dumpStore(t.redis, t.prefix)).toEqual(before);
  });

  it('INVALID_FIELD: a field breaks the field rules', async () => {
    const err = await expectRefusedSave((s) => (s.items!.items[0].quantity = 0), status.INVALID_ARGUMENT, 'INVALID_FIELD');
    expect(err.violations[0].field).toBe(`items[${next().items!.items[0].itemId}].quantity`);
  });

  it('DUPLICATE_ID: the same record twice', async () => {
    await expectRefusedSave((s) => s.npcs!.npcs.push(clone(WorldSnapshotSchema, s).npcs!.npcs[0]), status.INVALID_ARGUMENT, 'DUPLICATE_ID');
  });

  it('OWNERSHIP_OVERLAP: one id claimed twice with different content', async () => {
    await expectRefusedSave(
      (s) => {
        const twin = clone(WorldSnapshotSchema, s).items!.items[0];
        twin.durability += 1;
        s.items!.items.push(twin);
      },
      status.INVALID_ARGUMENT,
      'OWNERSHIP_OVERLAP',
    );
  });

  it('DANGLING_REFERENCE: a quest of a player absent from the snapshot', async () => {
    const err = await expectRefusedSave((s) => (s.quests!.quests[0].playerId = 'nobody'), status.INVALID_ARGUMENT, 'DANGLING_REFERENCE');
    expect(err.violations[0].field).toBe(`quests[${next().quests!.quests[0].questId}].player_id`);
  });

  it('REQUEST_ID_REUSED: a committed request id with other content, before EPOCH_CONFLICT', async () => {
    await expectRefusedSave((s) => (s.npcs!.npcs[0].health += 1), status.INVALID_ARGUMENT, 'REQUEST_ID_REUSED', { requestId: baseRequestId });
  });

  it('EPOCH_CONFLICT: a stale expected epoch', async () => {
    const stale = smallWorld(world, 0n, 3);
    const before = await dumpStore(t.redis, t.prefix);
    const err = await refusalOf(t.client.save(saveRequest(world, stale, 0n)));
    expect({ code: err.code, reason: err.reason }).toEqual({ code: status.ABORTED, reason: 'EPOCH_CONFLICT' });
    expect(err.metadata).toMatchObject({ committed_epoch: '1', expected_epoch: '0' });
    expect(await dumpStore(t.redis, t.prefix)).toEqual(before);
  });

  it('lists every violation in DESIGN §4 order, the first as the reason, the same bytes every time', async () => {
    const breakMany = (s: WorldSnapshot) => {
      s.quests!.quests[0].playerId = 'nobody'; // DANGLING_REFERENCE
      s.items!.items[0].quantity = 0; // INVALID_FIELD
      s.npcs = undefined; // PARTIAL_SAVE
      s.world!.worldId = 'elsewhere'; // WORLD_MISMATCH
    };
    const err = await expectRefusedSave(breakMany, status.INVALID_ARGUMENT, 'FORBIDDEN_SOURCE', { source: StateSource.CLIENT });
    expect(err.violations.map((v) => v.description.split(':')[0])).toEqual(['FORBIDDEN_SOURCE', 'PARTIAL_SAVE', 'WORLD_MISMATCH', 'INVALID_FIELD', 'DANGLING_REFERENCE']);
    const again = await expectRefusedSave(breakMany, status.INVALID_ARGUMENT, 'FORBIDDEN_SOURCE', { source: StateSource.CLIENT });
    expect(again).toEqual(err);
  });

  it('WORLD_NOT_FOUND and EPOCH_NOT_FOUND on restore', async () => {
    const drain = async (worldId: string, epoch = 0n) => {
      for await (const _ of t.client.restore({ worldId, epoch })) void _;
    };
    const a = await refusalOf(drain('never-saved'));
    expect({ code: a.code, reason: a.reason }).toEqual({ code: status.NOT_FOUND, reason: 'WORLD_NOT_FOUND' });
    const b = await refusalOf(drain(world, 9n));
    expect({ code: b.code, reason: b.reason }).toEqual({ code: status.NOT_FOUND, reason: 'EPOCH_NOT_FOUND' });
  });

  it('INVALID_FIELD for a world id that is not an id, before the store is touched', async () => {
    const err = await refusalOf(t.client.getWorldStatus({ worldId: 'a}b' }));
    expect({ code: err.code, reason: err.reason, field: err.violations[0].field }).toEqual({ code: status.INVALID_ARGUMENT, reason: 'INVALID_FIELD', field: 'world_id' });
  });
});
