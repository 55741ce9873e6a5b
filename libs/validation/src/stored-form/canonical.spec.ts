import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { PlayerSectionSchema, QuestRecordSchema, RestorePhase, RestoreResponseSchema, OwnerSystem, WorldSectionSchema } from '@persistd/contract';
import { generateWorld, shuffleWorld, smallWorld } from '@persistd/testkit';
import { canonicalizeInPlace } from '../canonical-record';
import { canonicalSections, compareIds } from './canonical';
import { cutChunks, sha256Hex, CHUNK_MAX_BYTES } from './chunks';
import { frameSectionMessage } from './framing';
import { prepareEpoch } from './prepare-epoch';

const stamp = { worldId: 'w1', requestId: 'r1', principal: 'test', committedAtMs: 1n };

describe('canonical form', () => {
  it('orders records by id in code-unit order, never by locale', () => {
    expect(['b', 'B', 'a', '_', '0'].sort(compareIds)).toEqual(['0', 'B', '_', 'a', 'b']);
    const world = smallWorld('w1');
    const sections = canonicalSections(shuffleWorld(world, 7));
    for (const s of sections) expect(s.ids).toEqual([...s.ids].sort(compareIds));
  });

  it('writes map keys in ascending order whatever the input order', () => {
    const a = create(QuestRecordSchema, { questId: 'q', objectives: { zeta: 1, alpha: 2, mid: 3 } });
    const b = create(QuestRecordSchema, { questId: 'q', objectives: { mid: 3, alpha: 2, zeta: 1 } });
    expect(toBinary(QuestRecordSchema, a)).not.toEqual(toBinary(QuestRecordSchema, b));
    canonicalizeInPlace(QuestRecordSchema, a);
    canonicalizeInPlace(QuestRecordSchema, b);
    expect(Object.keys(a.objectives)).toEqual(['alpha', 'mid', 'zeta']);
    expect(toBinary(QuestRecordSchema, a)).toEqual(toBinary(QuestRecordSchema, b));
  });

  it('writes -0 as 0 (omitted, as every default)', () => {
    const world = smallWorld('w1');
    const twin = smallWorld('w1');
    world.players!.players[0].save!.position = { $typeName: 'caelmor.persist.v1.Vec3', x: -0, y: 0, z: 0 };
    twin.players!.players[0].save!.position = { $typeName: 'caelmor.persist.v1.Vec3', x: 0, y: 0, z: 0 };
    expect(prepareEpoch(world, stamp).contentDigest).toBe(prepareEpoch(twin, stamp).contentDigest);
  });

  it('gives the same content digest for the same world in any record order', () => {
    const shape = { worldId: 'w1', players: 30, zones: 8, npcs: 40, items: 120, quests: 25, seed: 3 };
    const base = prepareEpoch(generateWorld(shape), stamp).contentDigest;
    for (const seed of [1, 2, 3]) expect(prepareEpoch(shuffleWorld(generateWorld(shape), seed), stamp).contentDigest).toBe(base);
    const changed = generateWorld(shape);
    changed.items!.items[5].quantity += 1;
    expect(prepareEpoch(changed, stamp).contentDigest).not.toBe(base);
  });
});

describe('chunks', () => {
  it('cuts greedily at the byte bound, a larger record standing alone', () => {
    const records = [10, 10, 10, 50, 10].map((n, i) => new Uint8Array(n).fill(i + 1));
    const entry = (n: number) => n + 2; // tag + one-byte length
    const { chunks } = cutChunks({ system: OwnerSystem.NPC, recordFieldNo: 3, ids: [], records }, entry(10) * 2);
    expect(chunks.map((c) => c.records)).toEqual([2, 1, 1, 1]);
    expect(chunks.map((c) => c.bytes.length)).toEqual([24, 12, 52, 12]);
    for (const c of chunks) expect(c.id).toBe(sha256Hex(c.bytes));
  });

  it('makes one empty chunk of an empty section', () => {
    const { chunks } = cutChunks({ system: OwnerSystem.QUEST, recordFieldNo: 3, ids: [], records: [] });
    expect(chunks).toHaveLength(1);
    expect(chunks[0].bytes.length).toBe(0);
    expect(chunks[0].id).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('keeps every chunk of a large section at or under 1 MiB and decodable as the section', () => {
    const world = generateWorld({ worldId: 'w1', players: 50, zones: 10, npcs: 200, items: 30_000, quests: 20, seed: 5 });
    const prepared = prepareEpoch(world, stamp);
    const items = prepared.sections[3];
    expect(items.chunks.length).toBeGreaterThan(1);
    for (const c of items.chunks) expect(c.bytes.length).toBeLessThanOrEqual(CHUNK_MAX_BYTES);
    expect(items.chunks.reduce((n, c) => n + c.records, 0)).toBe(30_000);
  });
});

describe('framing', () => {
  it('frames a chunk byte-identically to encoding the decoded section message', () => {
    const prepared = prepareEpoch(smallWorld('w1'), stamp);
    const players = prepared.sections[0].chunks[0];
    const framed = frameSectionMessage(OwnerSystem.PLAYER, 7n, { sourceEpoch: 7n, schemaVersion: 1 }, players.bytes);
    const section = fromBinary(PlayerSectionSchema, players.bytes);
    section.sourceEpoch = 7n;
    section.schemaVersion = 1;
    const expected = toBinary(RestoreResponseSchema, create(RestoreResponseSchema, { phase: RestorePhase.PLAYERS, epoch: 7n, payload: { case: 'players', value: section } }));
    expect(Buffer.from(framed)).toEqual(Buffer.from(expected));
  });

  it('frames the world header fields, and an empty content version as toBinary omits it', () => {
    for (const contentVersion of ['content-9', '']) {
      const chunk = prepareEpoch(smallWorld('w1'), stamp).sections[1].chunks[0];
      const framed = frameSectionMessage(OwnerSystem.WORLD, 3n, { sourceEpoch: 3n, schemaVersion: 1, worldId: 'w1', contentVersion }, chunk.bytes);
      const section = fromBinary(WorldSectionSchema, chunk.bytes);
      Object.assign(section, { sourceEpoch: 3n, schemaVersion: 1, worldId: 'w1', contentVersion });
      const expected = toBinary(RestoreResponseSchema, create(RestoreResponseSchema, { phase: RestorePhase.WORLD, epoch: 3n, payload: { case: 'world', value: section } }));
      expect(Buffer.from(framed)).toEqual(Buffer.from(expected));
    }
  });
});
