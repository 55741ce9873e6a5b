import { create, createFileRegistry, fromBinary, ScalarType, setExtension, toBinary, type DescField, type DescMessage, type Message } from '@bufbuild/protobuf';
import { reflect, type ReflectMessage } from '@bufbuild/protobuf/reflect';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { FieldDescriptorProto_Label, FieldDescriptorProto_Type, FieldOptionsSchema, FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { NpcRecordSchema, OwnerSystem, runtime_only, StateSource, Vec3Schema, WorldSnapshotSchema, type WorldSnapshot } from '@persistd/contract';
import { itemModule } from '@persistd/item';
import { npcModule } from '@persistd/npc';
import { compilePath, OWNER_SYSTEMS, type OwnerModule } from '@persistd/ownership';
import { playerModule } from '@persistd/player';
import { questModule } from '@persistd/quest';
import { smallWorld } from '@persistd/testkit';
import { worldModule } from '@persistd/world';
import { validateSnapshot, type RuleViolation } from '../validate-snapshot';
import { findRuntimeState, isRuntimeOnly, walkPlan } from './runtime-walk';

const MODULES = [playerModule, worldModule, npcModule, itemModule, questModule] as readonly OwnerModule[];
const check = (snapshot: WorldSnapshot) => validateSnapshot({ worldId: 'w1', expectedEpoch: 0n, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot });
const where = (vs: readonly RuleViolation[]) => vs.map(({ code, system, recordId, path }) => ({ code, system, recordId, path }));

/** Every message type reachable from a descriptor. */
function reachable(desc: DescMessage, seen = new Set<DescMessage>()): Set<DescMessage> {
  if (seen.has(desc)) return seen;
  seen.add(desc);
  for (const f of desc.fields) if (f.message) reachable(f.message, seen);
  return seen;
}

/** A value that counts as set for a field of any kind (as ReflectMessage.set takes it). */
function setValue(field: DescField): unknown {
  switch (field.fieldKind) {
    case 'message':
      return reflect(field.message, create(field.message));
    case 'enum':
      return field.enum.values[1].number;
    case 'scalar':
      switch (field.scalar) {
        case ScalarType.STRING:
          return 'x';
        case ScalarType.BYTES:
          return new Uint8Array([1]);
        case ScalarType.BOOL:
          return true;
        case ScalarType.INT64:
        case ScalarType.UINT64:
        case ScalarType.SINT64:
        case ScalarType.FIXED64:
        case ScalarType.SFIXED64:
          return 7n;
        default:
          return 7;
      }
    default:
      throw new Error(`test: no value for a ${field.fieldKind} field`);
  }
}

/**
 * Sets every field the descriptors mark runtime_only, in a record and in the messages it holds,
 * knowing nothing of which fields those are; returns the paths they should be reported at.
 */
function markEveryRuntimeField(msg: ReflectMessage, path: string): string[] {
  const paths: string[] = [];
  for (const field of msg.fields) {
    const segment = field.oneof ? `${field.oneof.name}.${field.name}` : field.name;
    if (isRuntimeOnly(field)) {
      msg.set(field, setValue(field));
      paths.push(`${path}.${segment}`);
    } else if (field.fieldKind === 'message' && msg.isSet(field)) {
      paths.push(...markEveryRuntimeField(msg.get(field) as ReflectMessage, `${path}.${segment}`));
    }
  }
  return paths;
}

describe('RUNTIME_STATE: runtime_only fields, found from the descriptors', () => {
  it('the proto marks exactly these fields runtime only', () => {
    const marked = [...reachable(WorldSnapshotSchema)].flatMap((m) => m.fields.filter(isRuntimeOnly).map((f) => `${m.name}.${f.name}`));
    expect(marked.sort()).toEqual([
      'ItemRecord.pending_trade_lock',
      'NpcRecord.ai_state',
      'NpcRecord.current_target_id',
      'PlayerRecord.session_id',
      'PlayerSave.predicted_position',
      'QuestRecord.tick_timer_ms',
      'ZoneRecord.last_tick',
    ]);
  });

  const cases: [string, (w: WorldSnapshot) => void, OwnerSystem, string, string][] = [
    ['PlayerRecord.session_id', (w) => (w.players!.players[1].sessionId = 'sess-9'), OwnerSystem.PLAYER, 'p000001', 'players[p000001].session_id'],
    ['PlayerSave.predicted_position', (w) => (w.players!.players[2].save!.predictedPosition = create(Vec3Schema)), OwnerSystem.PLAYER, 'p000002', 'players[p000002].save.predicted_position'],
    ['ZoneRecord.last_tick', (w) => (w.world!.zones[3].lastTick = 1n), OwnerSystem.WORLD, 'z000003', 'zones[z000003].last_tick'],
    ['NpcRecord.current_target_id', (w) => (w.npcs!.npcs[0].currentTargetId = 'p000001'), OwnerSystem.NPC, 'n000000', 'npcs[n000000].current_target_id'],
    ['NpcRecord.ai_state', (w) => (w.npcs!.npcs[4].aiState = 'flee'), OwnerSystem.NPC, 'n000004', 'npcs[n000004].ai_state'],
    ['ItemRecord.pending_trade_lock', (w) => (w.items!.items[7].pendingTradeLock = 'trade-1'), OwnerSystem.ITEM, 'i000007', 'items[i000007].pending_trade_lock'],
    ['QuestRecord.tick_timer_ms', (w) => (w.quests!.quests[2].tickTimerMs = 250), OwnerSystem.QUEST, 'q000002', 'quests[q000002].tick_timer_ms'],
  ];
  it.each(cases)('%s set is RUNTIME_STATE at its id-based path', (_name, breakIt, system, recordId, path) => {
    const w = smallWorld('w1');
    breakIt(w);
    expect(where(check(w))).toEqual([{ code: 'RUNTIME_STATE', system, recordId, path }]);
  });

  it('a predicted position of (0,0,0) is still set: message presence, not value, counts', () => {
    const w = smallWorld('w1');
    w.players!.players[0].save!.predictedPosition = create(Vec3Schema, { x: 0, y: 0, z: 0 });
    expect(check(w).map((v) => v.path)).toEqual(['players[p000000].save.predicted_position']);
  });

  it.each(MODULES.map((m) => [m.record.name, m] as const))('the generic walk finds every marked field of %s', (_name, module) => {
    const w = smallWorld('w1');
    const entry = OWNER_SYSTEMS.find((e) => e.system === module.system)!;
    const section = (w as unknown as Record<string, Record<string, Message[]>>)[entry.section];
    const record = section[entry.recordField][1];
    const id = compilePath(module.record, module.idPath)(record) as string;
    const expected = markEveryRuntimeField(reflect(module.record, record), `${entry.recordField}[${id}]`);
    expect(expected.length).toBeGreaterThan(0);
    const found = check(w);
    expect(found.map((v) => v.code)).toEqual(expected.map(() => 'RUNTIME_STATE'));
    expect(found.map((v) => v.path)).toEqual([...expected].sort());
    expect(found.every((v) => v.system === module.system && v.recordId === id)).toBe(true);
  });

  it('a field marked in a descriptor the validator has never seen is found with no new code', () => {
    const options = create(FieldOptionsSchema);
    setExtension(options, runtime_only, true);
    const file = create(FileDescriptorProtoSchema, {
      name: 'test/later.proto',
      package: 'test.later',
      syntax: 'proto3',
      messageType: [
        {
          name: 'Later',
          field: [
            { name: 'keep', number: 1, type: FieldDescriptorProto_Type.STRING, label: FieldDescriptorProto_Label.OPTIONAL, jsonName: 'keep' },
            { name: 'tick', number: 2, type: FieldDescriptorProto_Type.UINT64, label: FieldDescriptorProto_Label.OPTIONAL, jsonName: 'tick', options },
          ],
        },
      ],
    });
    const desc = createFileRegistry(file, () => undefined).getMessage('test.later.Later')!;
    expect(walkPlan(desc).runtimeOnly.map((p) => p.field.name)).toEqual(['tick']);
    const hits: string[] = [];
    findRuntimeState(desc, create(desc, { keep: 'a', tick: 3n } as never), 'later', (path) => hits.push(path));
    expect(hits).toEqual(['later.tick']);
    hits.length = 0;
    findRuntimeState(desc, create(desc, { keep: 'a' } as never), 'later', (path) => hits.push(path));
    expect(hits).toEqual([]);
  });

  it('works each descriptor out once', () => {
    expect(walkPlan(NpcRecordSchema)).toBe(walkPlan(NpcRecordSchema));
    expect(walkPlan(NpcRecordSchema).runtimeOnly.map((p) => p.field.name)).toEqual(['current_target_id', 'ai_state']);
  });
});

/** A message's bytes with extra fields appended: a newer writer's (or a runtime's) data. */
function withExtraFields(bytes: Uint8Array, ...numbers: number[]): Uint8Array {
  const w = new BinaryWriter();
  for (const n of numbers) w.tag(n, WireType.Varint).uint32(7);
  const extra = w.finish();
  const out = new Uint8Array(bytes.length + extra.length);
  out.set(bytes);
  out.set(extra, bytes.length);
  return out;
}

describe('RUNTIME_STATE: unknown fields anywhere', () => {
  it('a record decoded from bytes with a field the schema lacks', () => {
    const w = smallWorld('w1');
    w.npcs!.npcs[1] = fromBinary(NpcRecordSchema, withExtraFields(toBinary(NpcRecordSchema, w.npcs!.npcs[1]), 42));
    const vs = check(w);
    expect(where(vs)).toEqual([{ code: 'RUNTIME_STATE', system: OwnerSystem.NPC, recordId: 'n000001', path: 'npcs[n000001]' }]);
    expect(vs[0].message).toContain('unknown field 42 ');
    expect(vs[0].message).toContain('caelmor.persist.v1.NpcRecord');
  });

  it('a record built with $unknown, every field number named once, ascending', () => {
    const w = smallWorld('w1');
    const data = new Uint8Array([7]);
    w.quests!.quests[1].$unknown = [9, 3, 9].map((no) => ({ no, wireType: WireType.Varint, data }));
    const vs = check(w);
    expect(where(vs)).toEqual([{ code: 'RUNTIME_STATE', system: OwnerSystem.QUEST, recordId: 'q000001', path: 'quests[q000001]' }]);
    expect(vs[0].message).toContain('unknown fields 3, 9 ');
  });

  it('nested messages, through a oneof too, named by the path to them', () => {
    const w = smallWorld('w1');
    w.npcs!.npcs[3].position = fromBinary(Vec3Schema, withExtraFields(toBinary(Vec3Schema, w.npcs!.npcs[3].position!), 4));
    const loc = w.items!.items[1].location;
    if (loc.case !== 'ground') throw new Error('fixture moved');
    loc.value.position!.$unknown = [{ no: 5, wireType: WireType.Varint, data: new Uint8Array([1]) }];
    expect(where(check(w))).toEqual([
      { code: 'RUNTIME_STATE', system: OwnerSystem.NPC, recordId: 'n000003', path: 'npcs[n000003].position' },
      { code: 'RUNTIME_STATE', system: OwnerSystem.ITEM, recordId: 'i000001', path: 'items[i000001].location.ground.position' },
    ]);
  });

  it('a section header and the snapshot itself', () => {
    const w = fromBinary(WorldSnapshotSchema, withExtraFields(toBinary(WorldSnapshotSchema, smallWorld('w1')), 15));
    w.items!.$unknown = [{ no: 8, wireType: WireType.Varint, data: new Uint8Array([1]) }];
    expect(where(check(w))).toEqual([
      { code: 'RUNTIME_STATE', system: OwnerSystem.UNSPECIFIED, recordId: '', path: 'snapshot' },
      { code: 'RUNTIME_STATE', system: OwnerSystem.ITEM, recordId: '', path: 'items' },
    ]);
  });

  it('a runtime-only message is reported once, not walked into', () => {
    const w = smallWorld('w1');
    const predicted = create(Vec3Schema, { x: 1 });
    predicted.$unknown = [{ no: 9, wireType: WireType.Varint, data: new Uint8Array([1]) }];
    w.players!.players[3].save!.predictedPosition = predicted;
    expect(check(w).map((v) => v.path)).toEqual(['players[p000003].save.predicted_position']);
  });

  it('an empty $unknown list is nothing', () => {
    const w = smallWorld('w1');
    w.world!.zones[0].$unknown = [];
    expect(check(w)).toEqual([]);
  });
});
