import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { status } from '@grpc/grpc-js';
import { rawUnaryCall, SaveChangesRequestSchema, SaveRequestSchema, StateSource, ValidateRequestSchema, ValidateResponseSchema, type WorldSnapshot } from '@persistd/contract';
import { PROTO_KEY_STAND_IN, smallWorld, withProtoMapKeys } from '@persistd/testkit';
import { changesRequest } from './test/change-sets';
import { collect, reassemble } from './test/restore-helpers';
import { dumpStore, refusalOf, saveRequest, startTestDaemon, type TestDaemon } from './test/test-daemon';

/**
 * A map key `__proto__` cannot live in a decoded record (protobuf-es maps are plain objects), so
 * it is refused — INVALID_FIELD at the key — by every RPC that takes records, never stored
 * without the key; keys an object already has (`constructor`, `toString`, `hasOwnProperty`)
 * are ordinary keys and come back from a restore.
 */

const SERVICE = '/caelmor.persist.v1.PersistenceService';
const LEGAL = ['constructor', 'toString', 'hasOwnProperty'];

describe('a map key __proto__', () => {
  let t: TestDaemon;
  beforeAll(async () => {
    t = await startTestDaemon();
  });
  afterAll(() => t.stop());

  /** A world saved at epoch 1, and its next snapshot with the key in a player's attributes. */
  async function savedWorld(world: string): Promise<{ next: WorldSnapshot; playerId: string }> {
    await t.client.save(saveRequest(world, smallWorld(world, 0n, 1)));
    const next = smallWorld(world, 1n, 2);
    next.players!.players[0].save!.attributes[PROTO_KEY_STAND_IN] = 5n;
    return { next, playerId: next.players!.players[0].playerId };
  }

  const atKey = (playerId: string) => `players[${playerId}].save.attributes[__proto__]`;

  it('Save: INVALID_ARGUMENT / INVALID_FIELD at the key, nothing stored', async () => {
    const { next, playerId } = await savedWorld('proto-key-save');
    const bytes = withProtoMapKeys(toBinary(SaveRequestSchema, create(SaveRequestSchema, saveRequest('proto-key-save', next, 1n))));
    const before = await dumpStore(t.redis, t.prefix);
    const err = await refusalOf(rawUnaryCall(t.client.grpc, `${SERVICE}/Save`, bytes));
    expect({ code: err.code, reason: err.reason }).toEqual({ code: status.INVALID_ARGUMENT, reason: 'INVALID_FIELD' });
    expect(err.violations).toEqual([{ field: atKey(playerId), description: expect.stringMatching(/^INVALID_FIELD: .*not __proto__/) }]);
    expect(await dumpStore(t.redis, t.prefix)).toEqual(before);
    expect((await t.client.getWorldStatus({ worldId: 'proto-key-save' })).committedEpoch).toBe(1n);
  });

  it('Validate: not accepted, INVALID_FIELD at the key', async () => {
    const { next, playerId } = await savedWorld('proto-key-validate');
    const req = create(ValidateRequestSchema, { worldId: 'proto-key-validate', expectedEpoch: 1n, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot: next });
    const res = fromBinary(ValidateResponseSchema, await rawUnaryCall(t.client.grpc, `${SERVICE}/Validate`, withProtoMapKeys(toBinary(ValidateRequestSchema, req))));
    expect(res.accepted).toBe(false);
    expect(res.violations.map((v) => ({ code: v.code, recordId: v.recordId, path: v.path }))).toEqual([{ code: 'INVALID_FIELD', recordId: playerId, path: atKey(playerId) }]);
  });

  it('SaveChanges: an upsert with the key is INVALID_ARGUMENT / INVALID_FIELD at the key, nothing stored', async () => {
    const { next, playerId } = await savedWorld('proto-key-changes');
    const none = { upserts: [], deletes: [] };
    const req = changesRequest('proto-key-changes', 1n, 'req-proto-key-changes', [{ upserts: [next.players!.players[0] as never], deletes: [] }, none, none, none, none], next.world!);
    const before = await dumpStore(t.redis, t.prefix);
    const err = await refusalOf(rawUnaryCall(t.client.grpc, `${SERVICE}/SaveChanges`, withProtoMapKeys(toBinary(SaveChangesRequestSchema, req))));
    expect({ code: err.code, reason: err.reason }).toEqual({ code: status.INVALID_ARGUMENT, reason: 'INVALID_FIELD' });
    expect(err.violations).toEqual([{ field: atKey(playerId), description: expect.stringMatching(/^INVALID_FIELD: .*not __proto__/) }]);
    expect(await dumpStore(t.redis, t.prefix)).toEqual(before);
    expect((await t.client.getWorldStatus({ worldId: 'proto-key-changes' })).committedEpoch).toBe(1n);
  });

  it('constructor, toString, hasOwnProperty: saved, changed and restored like any key', async () => {
    const world = 'proto-key-legal';
    const first = smallWorld(world, 0n, 1);
    for (const key of LEGAL) {
      first.players!.players[0].save!.attributes[key] = 3n;
      first.world!.zones[0].flags[key] = 'zone';
    }
    await t.client.save(saveRequest(world, first));
    let restored = reassemble(await collect(t.client, world));
    expect(restored.players!.players.find((p) => p.playerId === first.players!.players[0].playerId)!.save!.attributes).toMatchObject({ constructor: 3n, toString: 3n, hasOwnProperty: 3n });
    expect(Object.keys(restored.world!.zones.find((z) => z.zoneId === first.world!.zones[0].zoneId)!.flags)).toEqual(expect.arrayContaining(LEGAL));

    const npc = { ...first.npcs!.npcs[0], flags: Object.fromEntries(LEGAL.map((k) => [k, 'npc'])) };
    const none = { upserts: [], deletes: [] };
    const req = changesRequest(world, 1n, 'req-proto-key-legal', [none, none, { upserts: [npc as never], deletes: [] }, none, none], first.world!);
    expect((await t.client.saveChanges(req)).committedEpoch).toBe(2n);
    restored = reassemble(await collect(t.client, world));
    expect(restored.npcs!.npcs.find((n) => n.npcId === npc.npcId)!.flags).toEqual({ constructor: 'npc', toString: 'npc', hasOwnProperty: 'npc' });
    expect(restored.players!.players.find((p) => p.playerId === first.players!.players[0].playerId)!.save!.attributes).toMatchObject({ constructor: 3n, toString: 3n, hasOwnProperty: 3n });
  });
});
