import { clone, create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { status, type ServiceError } from '@grpc/grpc-js';
import {
  OwnerSystem,
  rawUnaryCall,
  SaveRequestSchema,
  STATUS_DETAILS_KEY,
  StateSource,
  ValidateRequestSchema,
  VALIDATE_BOUNDS,
  ValidateResponseSchema,
  WorldSnapshotSchema,
  type Violation,
  type WorldSnapshot,
} from '@persistd/contract';
import { generateWorld, refusedWorld, smallWorld } from '@persistd/testkit';
import { compareViolations } from '@persistd/validation';
import fc from 'fast-check';
import { dumpStore, refusalOf, saveRequest, startTestDaemon, type TestDaemon } from './test/test-daemon';

/**
 * The Validate RPC (DESIGN §3): every Save check, nothing committed; a stale expected_epoch is a
 * listed EPOCH_CONFLICT violation, not a status. And determinism through gRPC: the same invalid
 * input gives byte-identical error details.
 */

const SERVICE = '/caelmor.persist.v1.PersistenceService';

const validateRequest = (worldId: string, snapshot: WorldSnapshot | undefined, expectedEpoch = 0n, source = StateSource.AUTHORITATIVE_RUNTIME) => ({ worldId, expectedEpoch, source, snapshot });

const brief = (v: Violation) => ({ code: v.code, system: v.system, recordId: v.recordId, path: v.path });

/** Breaks five rules at once, each of another code. */
function breakMany(s: WorldSnapshot): void {
  s.quests!.quests[0].playerId = 'nobody'; // DANGLING_REFERENCE
  s.items!.items[1].quantity = 0; // INVALID_FIELD
  s.npcs!.npcs.push(clone(WorldSnapshotSchema, s).npcs!.npcs[0]); // DUPLICATE_ID
  s.world!.worldId = 'elsewhere'; // WORLD_MISMATCH
  s.items!.schemaVersion = 2; // MIXED_VERSION
}

describe('Validate through gRPC', () => {
  let t: TestDaemon;
  const saved = 'val-saved';
  beforeAll(async () => {
    t = await startTestDaemon();
    await t.client.save(saveRequest(saved, smallWorld(saved, 0n, 1)));
  });
  afterAll(() => t.stop());

  it('accepts a valid world (never saved at 0, saved at its committed epoch) and commits nothing', async () => {
    const before = await dumpStore(t.redis, t.prefix);
    expect(await t.client.validate(validateRequest('val-fresh', smallWorld('val-fresh')))).toMatchObject({ accepted: true, violations: [] });
    expect(await t.client.validate(validateRequest(saved, smallWorld(saved, 1n, 2), 1n))).toMatchObject({ accepted: true, violations: [] });
    expect(await dumpStore(t.redis, t.prefix)).toEqual(before);
    expect((await t.client.getWorldStatus({ worldId: 'val-fresh' })).committedEpoch).toBe(0n);
    expect((await t.client.getWorldStatus({ worldId: saved })).committedEpoch).toBe(1n);
  });

  it('returns every violation in canonical order, and commits nothing', async () => {
    const snapshot = smallWorld(saved, 1n, 2);
    breakMany(snapshot);
    const before = await dumpStore(t.redis, t.prefix);
    const res = await t.client.validate(validateRequest(saved, snapshot, 1n, StateSource.CLIENT));
    expect(res.accepted).toBe(false);
    const q = snapshot.quests!.quests[0].questId;
    const i = snapshot.items!.items[1].itemId;
    const n = snapshot.npcs!.npcs[0].npcId;
    expect(res.violations.map(brief)).toEqual([
      { code: 'FORBIDDEN_SOURCE', system: OwnerSystem.UNSPECIFIED, recordId: '', path: 'source' },
      { code: 'MIXED_VERSION', system: OwnerSystem.ITEM, recordId: '', path: 'items.schema_version' },
      { code: 'WORLD_MISMATCH', system: OwnerSystem.WORLD, recordId: '', path: 'world.world_id' },
      { code: 'INVALID_FIELD', system: OwnerSystem.ITEM, recordId: i, path: `items[${i}].quantity` },
      { code: 'DUPLICATE_ID', system: OwnerSystem.NPC, recordId: n, path: expect.stringContaining(`npcs[${n}]`) },
      { code: 'DANGLING_REFERENCE', system: OwnerSystem.QUEST, recordId: q, path: `quests[${q}].player_id` },
    ]);
    expect([...res.violations].sort(compareViolations)).toEqual(res.violations);
    for (const v of res.violations) expect(v.message.length).toBeGreaterThan(0);
    expect(await dumpStore(t.redis, t.prefix)).toEqual(before);
    expect((await t.client.getWorldStatus({ worldId: saved })).committedEpoch).toBe(1n);
  });

  it('reports a stale expected_epoch as an EPOCH_CONFLICT violation, not as a status', async () => {
    const before = await dumpStore(t.redis, t.prefix);
    const stale = await t.client.validate(validateRequest(saved, smallWorld(saved, 0n, 3), 0n));
    expect(stale.accepted).toBe(false);
    expect(stale.violations.map(brief)).toEqual([{ code: 'EPOCH_CONFLICT', system: OwnerSystem.UNSPECIFIED, recordId: '', path: 'expected_epoch' }]);
    expect(stale.violations[0].message).toBe('expected epoch 0, committed epoch is 1');

    // With other violations it is listed too, last (DESIGN §4 precedence).
    const broken = smallWorld(saved, 0n, 3);
    broken.quests!.quests[0].playerId = 'nobody';
    const both = await t.client.validate(validateRequest(saved, broken, 0n));
    expect(both.violations.map((v) => v.code)).toEqual(['DANGLING_REFERENCE', 'EPOCH_CONFLICT']);

    // An epoch ahead of the committed one is just as stale.
    const ahead = await t.client.validate(validateRequest(saved, smallWorld(saved, 5n, 3), 5n));
    expect(ahead.violations.map((v) => v.code)).toEqual(['EPOCH_CONFLICT']);
    expect(await dumpStore(t.redis, t.prefix)).toEqual(before);
  });

  it('lists at most VALIDATE_BOUNDS.violations, the canonical first ones, with the total of 100,000', async () => {
    const worldId = 'val-flood';
    const res = await t.client.validate(validateRequest(worldId, refusedWorld('dangling-items', worldId, 100_000).snapshot), { deadline: Date.now() + 30_000 });
    expect({ accepted: res.accepted, listed: res.violations.length, total: res.violationsTotal }).toEqual({ accepted: false, listed: VALIDATE_BOUNDS.violations, total: 100_000 });
    expect(res.violations.every((v) => v.code === 'DANGLING_REFERENCE')).toBe(true);
    expect([...res.violations].sort(compareViolations)).toEqual(res.violations);
    expect(res.violations[0].path).toBe('items[h0000000].location.inventory.player_id');
  });

  it('cuts each listed string to its bound, so huge ids cannot swell the answer', async () => {
    const worldId = 'val-huge-ids';
    const snapshot = refusedWorld('dangling-items', worldId, 2_000).snapshot;
    for (const item of snapshot.items!.items) if (item.location.case === 'inventory' && item.location.value.playerId === 'deleted-player') item.location.value.playerId = 'x'.repeat(3_000);
    const bytes = await rawUnaryCall(t.client.grpc, `${SERVICE}/Validate`, toBinary(ValidateRequestSchema, create(ValidateRequestSchema, validateRequest(worldId, snapshot))));
    const res = fromBinary(ValidateResponseSchema, bytes);
    expect(res.violationsTotal).toBeGreaterThan(2_000); // each breaks the id rule and dangles
    expect(res.violations).toHaveLength(VALIDATE_BOUNDS.violations);
    for (const v of res.violations) {
      expect(Buffer.byteLength(v.path)).toBeLessThanOrEqual(VALIDATE_BOUNDS.idBytes);
      expect(Buffer.byteLength(v.recordId)).toBeLessThanOrEqual(VALIDATE_BOUNDS.idBytes);
      expect(Buffer.byteLength(v.message)).toBeLessThanOrEqual(VALIDATE_BOUNDS.messageBytes);
    }
    expect(bytes.length).toBeLessThan(2 * 1024 * 1024);
  });

  it('counts every violation of a small list, all listed', async () => {
    const snapshot = smallWorld(saved, 1n, 2);
    breakMany(snapshot);
    const res = await t.client.validate(validateRequest(saved, snapshot, 1n));
    expect(res.violationsTotal).toBe(res.violations.length);
    expect(res.violationsTotal).toBeGreaterThan(1);
  });

  it('refuses bytes that do not parse with INVALID_ARGUMENT/MALFORMED_REQUEST', async () => {
    const err = await refusalOf(rawUnaryCall(t.client.grpc, `${SERVICE}/Validate`, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f])));
    expect({ code: err.code, reason: err.reason }).toEqual({ code: status.INVALID_ARGUMENT, reason: 'MALFORMED_REQUEST' });
  });
});

/** Single-rule breakages to combine. */
const BREAKAGES: Record<string, (s: WorldSnapshot) => void> = {
  dangling: (s) => (s.quests!.quests[0].playerId = 'nobody'),
  quantity: (s) => (s.items!.items[0].quantity = 0),
  duplicate: (s) => s.npcs!.npcs.push(clone(WorldSnapshotSchema, s).npcs!.npcs[0]),
  overlap: (s) => {
    const twin = clone(WorldSnapshotSchema, s).items!.items[1];
    twin.durability += 1;
    s.items!.items.push(twin);
  },
  partial: (s) => (s.npcs = undefined),
  world: (s) => (s.world!.worldId = 'elsewhere'),
  version: (s) => (s.quests!.schemaVersion = 2),
  epoch: (s) => (s.players!.sourceEpoch = 9n),
  runtime: (s) => (s.npcs!.npcs[0].aiState = 'chasing'),
  key: (s) => (s.world!.zones[0].flags['9bad'] = 'x'),
};

describe('property: the same invalid input gives byte-identical error details through gRPC', () => {
  let t: TestDaemon;
  beforeAll(async () => {
    t = await startTestDaemon();
  });
  afterAll(() => t.stop());

  const detailsOf = async (call: Promise<unknown>): Promise<Buffer> => {
    try {
      await call;
    } catch (e) {
      const raw = (e as ServiceError).metadata?.get(STATUS_DETAILS_KEY)?.[0];
      if (!(raw instanceof Buffer)) throw new Error(`refused without ${STATUS_DETAILS_KEY}: ${(e as Error).message}`);
      return raw;
    }
    throw new Error('call succeeded; a refusal was expected');
  };

  it('Save twice: the same grpc-status-details-bin bytes, listing what Validate lists; nothing stored', async () => {
    const names = Object.keys(BREAKAGES);
    await fc.assert(
      fc.asyncProperty(
        fc.subarray(names, { minLength: 1 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.constantFrom(StateSource.AUTHORITATIVE_RUNTIME, StateSource.CLIENT),
        async (breaks, seed, source) => {
          const worldId = `det-${seed}`;
          const snapshot = generateWorld({ worldId, players: 5, zones: 4, npcs: 6, items: 10, quests: 5, seed });
          for (const b of breaks.filter((x) => x !== 'partial')) BREAKAGES[b](snapshot);
          if (breaks.includes('partial')) BREAKAGES.partial(snapshot); // last: the others reach into the section it drops
          const save = toBinary(SaveRequestSchema, create(SaveRequestSchema, { ...saveRequest(worldId, snapshot), requestId: `det-req-${seed}`, source }));
          const before = await dumpStore(t.redis, t.prefix);
          const first = await detailsOf(rawUnaryCall(t.client.grpc, `${SERVICE}/Save`, save));
          const second = await detailsOf(rawUnaryCall(t.client.grpc, `${SERVICE}/Save`, save));
          expect(second.equals(first)).toBe(true);
          expect(await dumpStore(t.redis, t.prefix)).toEqual(before);

          // Validate of the same snapshot: the same bytes twice, and the very list Save refused with.
          const validate = toBinary(ValidateRequestSchema, create(ValidateRequestSchema, validateRequest(worldId, snapshot, 0n, source)));
          const a = await rawUnaryCall(t.client.grpc, `${SERVICE}/Validate`, validate);
          const b = await rawUnaryCall(t.client.grpc, `${SERVICE}/Validate`, validate);
          expect(b.equals(a)).toBe(true);
          const refused = await refusalOf(t.client.save({ ...saveRequest(worldId, snapshot), requestId: `det-req-${seed}`, source }));
          const listed = fromBinary(ValidateResponseSchema, a).violations;
          expect(listed.length).toBeGreaterThan(0);
          expect(refused.violations).toEqual(listed.map((v) => ({ field: v.path, description: `${v.code}: ${v.message}` })));
          expect(refused.reason).toBe(listed[0].code);
        },
      ),
      { numRuns: 8 },
    );
  });
});
