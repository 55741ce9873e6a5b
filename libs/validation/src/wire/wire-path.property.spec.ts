import { fromBinary } from '@bufbuild/protobuf';
import { SaveRequestSchema } from '@persistd/contract';
import { generateWorld, shuffleWorld, worldShapeArbitrary } from '@persistd/testkit';
import fc from 'fast-check';
import { BYTE_MUTATIONS, DATA_MUTATIONS, encodeRequest, mutateBytes, requestOf, WIRE_MUTATIONS, type Pick } from './test/mutations';
import { typedOutcome, wireOutcome } from './test/outcomes';
import { extentVersusWalk } from './test/extent-and-walk';
import { readSaveRequest } from './read-request';
import { wireExtent } from './wire-extent';

/**
 * The wire path and the typed path (fromBinary → validateSnapshot → prepareEpoch) agree on every
 * request: both refuse it as malformed, or both report the same violations (codes, systems, ids,
 * paths, messages, order), or both store the same chunks under the same digests; and the wire
 * read measures what input limits look at exactly as the limits' walk of the typed decode does.
 */

const shape = worldShapeArbitrary({ players: { min: 1, max: 8 }, zones: { min: 2, max: 6 }, npcs: { min: 1, max: 8 }, items: { min: 2, max: 14 }, quests: { min: 1, max: 8 }, worldIdMaxLength: 16, epoch: { max: (1n << 64n) - 1n } });

const picker = (randoms: fc.Stream<number>): Pick => (n) => (n <= 1 ? 0 : randoms.next().value % n);

/** Asserts both paths agree on these bytes and returns the wire path's answer. */
function agree(bytes: Uint8Array) {
  const typed = typedOutcome(bytes);
  const wire = wireOutcome(bytes);
  expect(wire.outcome).toEqual(typed);
  if (!typed.malformed) {
    // What input limits measure, measured on the wire read, is what the limits' walk of the typed decode measures.
    expect(extentVersusWalk(SaveRequestSchema, fromBinary(SaveRequestSchema, bytes, { readUnknownFields: true }), wireExtent(readSaveRequest(bytes)))).toEqual([]);
  }
  return { typed, wire };
}

describe('property: the wire path decides as the typed path', () => {
  it('canonical worlds: accepted, every record passed through, stored byte-identically', () => {
    fc.assert(
      fc.property(shape, fc.integer(), (s, order) => {
        const bytes = encodeRequest(requestOf(s.worldId, shuffleWorld(generateWorld(s), order), s.epoch!, `req-${s.seed}`), true);
        const { typed, wire } = agree(bytes);
        expect(typed.malformed === false && typed.violations).toEqual([]);
        expect(wire.stats).toMatchObject({ typedEnvelope: false, typed: 0 });
        expect(wire.stats!.passedThrough).toBe(wire.stats!.records);
      }),
      { numRuns: 40 },
    );
  });

  it('generated worlds as encoded (maps in insertion order), in any record order', () => {
    fc.assert(
      fc.property(shape, fc.integer(), (s, order) => {
        const { typed } = agree(encodeRequest(requestOf(s.worldId, shuffleWorld(generateWorld(s), order), s.epoch!, `req-${s.seed}`)));
        expect(typed.malformed === false && typed.violations).toEqual([]);
      }),
      { numRuns: 30 },
    );
  });

  it.each(Object.keys(DATA_MUTATIONS))('data: %s', (name) => {
    fc.assert(
      fc.property(shape, fc.infiniteStream(fc.nat()), fc.boolean(), (s, randoms, canonical) => {
        const req = requestOf(s.worldId, generateWorld(s), s.epoch!, `req-${s.seed}`);
        DATA_MUTATIONS[name](req, picker(randoms));
        agree(encodeRequest(req, canonical));
      }),
      { numRuns: 12 },
    );
  });

  it.each([...Object.keys(WIRE_MUTATIONS), ...BYTE_MUTATIONS])('encoding: %s', (name) => {
    fc.assert(
      fc.property(shape, fc.infiniteStream(fc.nat()), fc.boolean(), (s, randoms, canonical) => {
        const pick = picker(randoms);
        const bytes = encodeRequest(requestOf(s.worldId, generateWorld(s), s.epoch!, `req-${s.seed}`), canonical);
        agree(mutateBytes(bytes, [name], pick));
      }),
      { numRuns: 15 },
    );
  });

  it('any mix of data and encoding changes', () => {
    const dataNames = Object.keys(DATA_MUTATIONS);
    const wireNames = [...Object.keys(WIRE_MUTATIONS), ...BYTE_MUTATIONS];
    fc.assert(
      fc.property(
        shape,
        fc.array(fc.constantFrom(...dataNames), { maxLength: 2 }),
        fc.array(fc.constantFrom(...wireNames), { maxLength: 4 }),
        fc.infiniteStream(fc.nat()),
        fc.boolean(),
        (s, data, wire, randoms, canonical) => {
          const pick = picker(randoms);
          const req = requestOf(s.worldId, generateWorld(s), s.epoch!, `req-${s.seed}`);
          // Removals last: the other changes need the sections they change.
          const ordered = [...data.filter((n) => !n.endsWith('absent')), ...data.filter((n) => n.endsWith('absent'))];
          for (const name of ordered) DATA_MUTATIONS[name](req, pick);
          agree(mutateBytes(encodeRequest(req, canonical), wire, pick));
        },
      ),
      { numRuns: 150 },
    );
  });
});
