import { fromBinary } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { SaveChangesRequestSchema, SaveRequestSchema } from '@persistd/contract';
import { generateWorld, shuffleWorld, worldShapeArbitrary } from '@persistd/testkit';
import fc from 'fast-check';
import { canonicalUpserts } from '../change-set/canonical-upserts';
import { CHANGES_LAYOUT } from '../change-set/layout';
import { changeRequestDigest } from '../change-set/request-digest';
import { encodeRequest, recordBytesBySection, requestOf, WIRE_MUTATIONS, type Pick } from './test/mutations';
import { parseTree, writeTree } from './test/wire-tree';
import { wireUpsertBodies } from './read-changes';

/**
 * SaveChanges' checks take a canonical upsert's bytes as they came (read-changes.ts): whatever
 * the encoding of its records — each wire mutation of the save path's property test — and however
 * its envelope is split (two `changes` fields, a section's changes in two messages, which the
 * typed decoder merges in wire order), the canonical upserts, and so the request digest, are
 * those of the typed path.
 */

const shape = worldShapeArbitrary({ players: { min: 1, max: 6 }, zones: { min: 2, max: 5 }, npcs: { min: 1, max: 6 }, items: { min: 2, max: 10 }, quests: { min: 1, max: 6 }, worldIdMaxLength: 16 });

const picker = (randoms: fc.Stream<number>): Pick => (n) => (n <= 1 ? 0 : randoms.next().value % n);

const field = (desc: { fields: readonly { name: string; number: number }[] }, name: string) => desc.fields.find((f) => f.name === name)!.number;
const REQUEST = { worldId: field(SaveChangesRequestSchema, 'world_id'), expectedEpoch: field(SaveChangesRequestSchema, 'expected_epoch'), changes: field(SaveChangesRequestSchema, 'changes') };
const UPSERTS = CHANGES_LAYOUT.map((l) => field(l.changesDesc, 'upserts'));

/** A SaveChanges request upserting `records`, its envelope split where `pick` says (order kept). */
function changesRequestBytes(worldId: string, records: Uint8Array[][], pick: Pick): Uint8Array {
  const w = new BinaryWriter().tag(REQUEST.worldId, WireType.LengthDelimited).string(worldId).tag(REQUEST.expectedEpoch, WireType.Varint).uint64(1n);
  // Each section's records cut in three runs: the first two go to the first `changes` field
  // (as one or two messages of the section), the third to a second `changes` field.
  const cuts = records.map((rs) => [pick(rs.length + 1), pick(rs.length + 1)].sort((a, b) => a - b));
  const runs = (k: number, part: number) => records[k].slice(part === 0 ? 0 : cuts[k][part - 1], part === 2 ? records[k].length : cuts[k][part]);
  for (const parts of [[0, 1], [2]]) {
    w.tag(REQUEST.changes, WireType.LengthDelimited).fork();
    CHANGES_LAYOUT.forEach((l, k) => {
      const messages = parts.length === 2 && pick(2) === 0 ? parts.map((p) => runs(k, p)) : [parts.flatMap((p) => runs(k, p))];
      for (const run of messages) {
        if (run.length === 0) continue;
        w.tag(l.changesField.number, WireType.LengthDelimited).fork();
        for (const record of run) w.tag(UPSERTS[k], WireType.LengthDelimited).bytes(record);
        w.join();
      }
    });
    w.join();
  }
  return w.finish();
}

const decode = (bytes: Uint8Array) => fromBinary(SaveChangesRequestSchema, bytes, { readUnknownFields: true });
const hexOf = (upserts: ReturnType<typeof canonicalUpserts>) => upserts.map((s) => s.map((u) => `${u.id} ${Buffer.from(u.body).toString('hex')}`));

describe('property: upserts taken from the wire are the typed path’s canonical upserts', () => {
  it('canonical records: every upsert is taken as it came', () => {
    fc.assert(
      fc.property(shape, fc.integer(), fc.infiniteStream(fc.nat()), (s, order, randoms) => {
        const saved = encodeRequest(requestOf(s.worldId, shuffleWorld(generateWorld(s), order), 0n, 'r'), true);
        const bytes = changesRequestBytes(s.worldId, recordBytesBySection(saved), picker(randoms));
        const wire = wireUpsertBodies(bytes)!;
        expect(wire.map((bodies) => bodies.filter((b) => b === undefined).length)).toEqual([0, 0, 0, 0, 0]);
        expect(hexOf(canonicalUpserts(decode(bytes), bytes))).toEqual(hexOf(canonicalUpserts(decode(bytes))));
      }),
      { numRuns: 25 },
    );
  });

  it.each(Object.keys(WIRE_MUTATIONS))('records with %s', (name) => {
    fc.assert(
      fc.property(shape, fc.infiniteStream(fc.nat()), fc.boolean(), (s, randoms, canonical) => {
        const pick = picker(randoms);
        const saved = encodeRequest(requestOf(s.worldId, generateWorld(s), 0n, 'r'), canonical);
        const tree = parseTree(SaveRequestSchema, saved);
        WIRE_MUTATIONS[name](tree, pick);
        const bytes = changesRequestBytes(s.worldId, recordBytesBySection(writeTree(tree)), pick);
        let req;
        try {
          req = decode(bytes);
        } catch {
          return; // malformed for the typed decoder: the request is refused before any digest
        }
        expect(hexOf(canonicalUpserts(req, bytes))).toEqual(hexOf(canonicalUpserts(decode(bytes))));
        expect(changeRequestDigest(req, bytes)).toBe(changeRequestDigest(decode(bytes)));
      }),
      { numRuns: 15 },
    );
  });
});
