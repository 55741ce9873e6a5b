import { create, toBinary } from '@bufbuild/protobuf';
import { SaveChangesRequestSchema, SaveRequestSchema, StateSource, ValidateRequestSchema, type WorldSnapshot } from '@persistd/contract';
import { PROTO_KEY_STAND_IN, smallWorld, withProtoMapKeys } from '@persistd/testkit';
import { checkChangeRequest, lostMapKeysOfChanges } from '../change-set/request-checks';
import { runSnapshotSteps } from '../save-steps/run-snapshot-steps';
import { SnapshotRefused } from '../save-steps/snapshot-refused';
import { sortViolations, type RuleViolation } from '../violation';
import { firstWireBreach, wireCensus } from '../wire/wire-census';

/**
 * DESIGN §4's field rule "a map key is not `__proto__`": the decoded record cannot hold the
 * key, so the census finds it in the bytes and INVALID_FIELD names it beside every other
 * violation, in canonical order, for Save, Validate and a SaveChanges' upserts.
 */

const LIMITS = { maxRecordsPerSection: 250_000, maxStringBytes: 4096, maxMapEntries: 1024 };
const world = 'lost-keys';

/** A world with a bad key too ('3d', the map-key pattern's), so the new finding sorts among others. */
function worldWith(keys: { player?: string; npc?: string }): WorldSnapshot {
  const s = smallWorld(world);
  s.world!.zones[0].flags['3d'] = 'x';
  if (keys.player) s.players!.players[1].save!.attributes[keys.player] = 7n;
  if (keys.npc) s.npcs!.npcs[2].flags[keys.npc] = 'y';
  return s;
}

const validateBytes = (s: WorldSnapshot) => toBinary(ValidateRequestSchema, create(ValidateRequestSchema, { worldId: world, expectedEpoch: 0n, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot: s }));
const saveBytes = (s: WorldSnapshot) => toBinary(SaveRequestSchema, create(SaveRequestSchema, { worldId: world, expectedEpoch: 0n, requestId: 'r-lost', source: StateSource.AUTHORITATIVE_RUNTIME, snapshot: s }));

function validate(bytes: Uint8Array): RuleViolation[] {
  const work = runSnapshotSteps({ method: 'Validate', bytes, limits: LIMITS, principal: 'tester' });
  if (work.method !== 'Validate') throw new Error('not a Validate');
  return work.violations;
}

function protoKeyFindings(s: WorldSnapshot): RuleViolation[] {
  const p = s.players!.players[1].playerId;
  const n = s.npcs!.npcs[2].npcId;
  return [
    { code: 'INVALID_FIELD', system: 1, recordId: p, path: `players[${p}].save.attributes[__proto__]`, message: 'save.attributes[__proto__]: a map key is not __proto__ (a JavaScript object cannot hold it)' },
    { code: 'INVALID_FIELD', system: 3, recordId: n, path: `npcs[${n}].flags[__proto__]`, message: 'flags[__proto__]: a map key is not __proto__ (a JavaScript object cannot hold it)' },
  ] as RuleViolation[];
}

describe('a map key __proto__ is INVALID_FIELD', () => {
  it('Validate: named at the key, among the other violations in canonical order', () => {
    const s = worldWith({ player: PROTO_KEY_STAND_IN, npc: PROTO_KEY_STAND_IN });
    const without = validate(validateBytes(worldWith({})));
    expect(without.map((v) => v.path)).toEqual([`zones[${s.world!.zones[0].zoneId}].flags`]);
    const found = validate(withProtoMapKeys(validateBytes(s)));
    expect(found).toEqual(sortViolations([...without, ...protoKeyFindings(s)]));
  });

  it('Save: refused with the same list, nothing prepared', () => {
    const s = worldWith({ player: PROTO_KEY_STAND_IN, npc: PROTO_KEY_STAND_IN });
    let refused: unknown;
    try {
      runSnapshotSteps({ method: 'Save', bytes: withProtoMapKeys(saveBytes(s)), limits: LIMITS, principal: 'tester' });
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(SnapshotRefused);
    const e = refused as SnapshotRefused;
    expect(e.code).toBe('INVALID_FIELD');
    expect(e.detail.violations).toEqual(sortViolations([...validate(validateBytes(worldWith({}))), ...protoKeyFindings(s)]));
  });

  it('keys an object already has (constructor, toString, hasOwnProperty) are legal', () => {
    const s = smallWorld(world);
    for (const key of ['constructor', 'toString', 'hasOwnProperty']) {
      s.players!.players[0].save!.attributes[key] = 3n;
      s.npcs!.npcs[0].flags[key] = 'kept';
    }
    expect(validate(validateBytes(s))).toEqual([]);
  });

  it('SaveChanges: an upsert with the key is the request\'s own finding and beyond any result', () => {
    const s = smallWorld(world, 1n);
    const player = s.players!.players[0];
    player.save!.attributes[PROTO_KEY_STAND_IN] = 1n;
    const stamp = { sourceEpoch: 1n, schemaVersion: 1 };
    const req = create(SaveChangesRequestSchema, {
      worldId: world,
      expectedEpoch: 1n,
      requestId: 'r-changes',
      source: StateSource.AUTHORITATIVE_RUNTIME,
      changes: { schemaVersion: 1, players: { ...stamp, upserts: [player] }, world: { ...stamp, worldId: world, contentVersion: s.world!.contentVersion }, npcs: stamp, items: stamp, quests: stamp },
    });
    const bytes = withProtoMapKeys(toBinary(SaveChangesRequestSchema, req));
    const lost = lostMapKeysOfChanges(bytes);
    expect(lost).toEqual([{ system: 1, record: 0, path: 'save.attributes[__proto__]' }]);
    // The decoded request (what the daemon checks) has lost the key: only the bytes tell.
    delete player.save!.attributes[PROTO_KEY_STAND_IN];
    const findings = checkChangeRequest(req, lost);
    const at = `players[${player.playerId}].save.attributes[__proto__]`;
    expect(findings.own.filter((v) => v.code === 'INVALID_FIELD').map((v) => v.path)).toEqual([at]);
    expect(findings.beyondResult.map((v) => v.path)).toEqual([at]);
    expect(checkChangeRequest(req).own).toEqual([]);
  });

  it('the census counts the map as decoded (without the key) and notes where the key was', () => {
    const s = smallWorld(world);
    for (const p of s.players!.players) p.save!.attributes = {};
    Object.assign(s.players!.players[1].save!.attributes, { a: 1n, b: 2n, [PROTO_KEY_STAND_IN]: 3n });
    const bytes = withProtoMapKeys(saveBytes(s));
    const limits = { ...LIMITS, maxMapEntries: 2 };
    expect(firstWireBreach(SaveRequestSchema, bytes, { ...limits, maxMapEntries: 2 })).toBeUndefined();
    expect(firstWireBreach(SaveRequestSchema, bytes, { ...limits, maxMapEntries: 1 })).toMatchObject({ limit: 'max_map_entries', field: 'snapshot.players.players[1].save.attributes' });
    expect(wireCensus(SaveRequestSchema, bytes, limits).lostKeys).toEqual([['snapshot', 'players', 'players', 1, 'save', 'attributes']]);
  });
});
