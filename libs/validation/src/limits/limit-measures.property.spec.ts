import { fromBinary } from '@bufbuild/protobuf';
import { SaveRequestSchema } from '@persistd/contract';
import { generateWorld, worldShapeArbitrary } from '@persistd/testkit';
import fc from 'fast-check';
import { readSaveRequest } from '../wire/read-request';
import { BYTE_MUTATIONS, DATA_MUTATIONS, encodeRequest, mutateBytes, requestOf, WIRE_MUTATIONS, type Pick } from '../wire/test/mutations';
import { extentVersusWalk, limitsAt } from '../wire/test/extent-and-walk';
import { firstWireBreach, wireCensus, wireCensusInFull } from '../wire/wire-census';
import { wireExtent, type WireExtent } from '../wire/wire-extent';
import { firstLimitBreach, type InputLimits, type LimitBreach } from './input-limits';

/**
 * The limits' walk of the decoded message decides LIMIT_EXCEEDED; the two wire-level pre-checks
 * must decide as it does. The census (before the read) names the very breach the walk names; the
 * extent (after the read) is exactly the tightest limits the walk accepts, so comparing it with
 * the limits says whether the walk would refuse.
 */

const shape = worldShapeArbitrary({ players: { min: 1, max: 6 }, zones: { min: 2, max: 5 }, npcs: { min: 1, max: 6 }, items: { min: 2, max: 10 }, quests: { min: 1, max: 6 }, worldIdMaxLength: 16, epoch: { max: (1n << 64n) - 1n } });

const picker = (randoms: fc.Stream<number>): Pick => (n) => (n <= 1 ? 0 : randoms.next().value % n);

/** At, or one below, each measure of the request: on both sides of every limit. */
const near = fc.record({ records: fc.integer({ min: -1, max: 0 }), text: fc.integer({ min: -1, max: 0 }), entries: fc.integer({ min: -1, max: 0 }) });

/**
 * A field sent twice counts twice at wire level, and the census refuses a field number seen more
 * often than the records limit even where a decoded message shows it once; a records limit of 2
 * keeps that apart from what this property compares (one mutation sends a field at most twice).
 */
const MIN_RECORDS = 2;

function limitsNear(bytes: Uint8Array, d: { records: number; text: number; entries: number }): InputLimits {
  const at = limitsAt(wireExtent(readSaveRequest(bytes)));
  return {
    maxRecordsPerSection: Math.max(MIN_RECORDS, at.maxRecordsPerSection + d.records),
    maxStringBytes: Math.max(0, at.maxStringBytes + d.text),
    maxMapEntries: Math.max(0, at.maxMapEntries + d.entries),
  };
}

const decoded = (bytes: Uint8Array) => {
  try {
    return fromBinary(SaveRequestSchema, bytes, { readUnknownFields: true });
  } catch {
    return undefined;
  }
};

const exceeds = (ext: WireExtent, limits: InputLimits) =>
  ext.maxListLength > limits.maxRecordsPerSection || ext.maxStringBytes > limits.maxStringBytes || ext.maxMapEntries > limits.maxMapEntries;

/**
 * Both pre-checks against the walk on one request. The census may pass a request it cannot read
 * to the end although the library's decoder can (a length one byte longer swallowing the next
 * tag, say); the read and its extent then decide, as runSnapshotSteps does. So: a breach the
 * census names is the walk's, and otherwise the extent shows a limit broken exactly when the
 * walk names a breach.
 */
function checkAgainstWalk(bytes: Uint8Array, d: { records: number; text: number; entries: number }) {
  const message = decoded(bytes);
  // Bytes that do not parse are MALFORMED_REQUEST: no walk to compare with.
  if (!message) return;
  const extent = wireExtent(readSaveRequest(bytes));
  expect(extentVersusWalk(SaveRequestSchema, message, extent)).toEqual([]);
  const limits = limitsNear(bytes, d);
  const walk = firstLimitBreach(SaveRequestSchema, message, limits);
  const census = firstWireBreach(SaveRequestSchema, bytes, limits);
  if (census) expect(asCensusSays(census, walk)).toEqual(walk);
  else expect(exceeds(extent, limits)).toBe(walk !== undefined);
  return { census, walk };
}

/**
 * The census's breach, its `actual` aside where it cannot be the walk's: a map over its entries
 * is refused without collecting the rest of its keys (a flood's keys would cost what the census
 * saves), so its count is the entries sent, a key sent twice counted twice — never fewer than
 * the decoded map holds. Everything else, and the message's limit, bound and field, must match.
 */
function asCensusSays(census: LimitBreach, walk: LimitBreach | undefined): LimitBreach {
  if (census.limit !== 'max_map_entries' || walk?.limit !== 'max_map_entries') return census;
  expect(census.actual).toBeGreaterThanOrEqual(walk.actual);
  return { ...census, actual: walk.actual };
}

describe('property: the wire pre-checks decide input limits as the limits walk does', () => {
  it('generated worlds, canonical or as encoded, near every limit', () => {
    fc.assert(
      fc.property(shape, near, fc.boolean(), (s, d, canonical) => {
        const { census, walk } = checkAgainstWalk(encodeRequest(requestOf(s.worldId, generateWorld(s), s.epoch!, `req-${s.seed}`), canonical), d)!;
        // Bytes the census reads to the end: it names the walk's breach itself, none passed on.
        expect(census).toEqual(walk);
      }),
      { numRuns: 40 },
    );
  });

  it.each(Object.keys(DATA_MUTATIONS))('data: %s', (name) => {
    fc.assert(
      fc.property(shape, near, fc.infiniteStream(fc.nat()), fc.boolean(), (s, d, randoms, canonical) => {
        const req = requestOf(s.worldId, generateWorld(s), s.epoch!, `req-${s.seed}`);
        DATA_MUTATIONS[name](req, picker(randoms));
        checkAgainstWalk(encodeRequest(req, canonical), d);
      }),
      { numRuns: 8 },
    );
  });

  it.each([...Object.keys(WIRE_MUTATIONS), ...BYTE_MUTATIONS])('encoding: %s', (name) => {
    fc.assert(
      fc.property(shape, near, fc.infiniteStream(fc.nat()), fc.boolean(), (s, d, randoms, canonical) => {
        const bytes = encodeRequest(requestOf(s.worldId, generateWorld(s), s.epoch!, `req-${s.seed}`), canonical);
        checkAgainstWalk(mutateBytes(bytes, [name], picker(randoms)), d);
      }),
      { numRuns: 8 },
    );
  });

  // The census first walks quickly, skipping every message too small to breach a limit; it must
  // decide as its full walk does — also on bytes that stop parsing, or hold a key __proto__. One
  // limit near the request's measure and the others far keep many messages small enough to skip.
  const oneNear = fc.constantFrom<keyof InputLimits>('maxRecordsPerSection', 'maxStringBytes', 'maxMapEntries');
  it.each([...Object.keys(DATA_MUTATIONS), ...Object.keys(WIRE_MUTATIONS), ...BYTE_MUTATIONS])('the quick walk decides as the full walk: %s', (name) => {
    fc.assert(
      fc.property(shape, near, oneNear, fc.infiniteStream(fc.nat()), fc.boolean(), (s, d, which, randoms, canonical) => {
        const req = requestOf(s.worldId, generateWorld(s), s.epoch!, `req-${s.seed}`);
        const original = encodeRequest(req, canonical);
        const far = 1_000_000;
        const limits = { maxRecordsPerSection: far, maxStringBytes: far, maxMapEntries: far, [which]: limitsNear(original, d)[which] };
        let bytes: Uint8Array;
        if (name in DATA_MUTATIONS) {
          DATA_MUTATIONS[name]!(req, picker(randoms));
          bytes = encodeRequest(req, canonical);
        } else bytes = mutateBytes(original, [name], picker(randoms));
        expect(wireCensus(SaveRequestSchema, bytes, limits)).toEqual(wireCensusInFull(SaveRequestSchema, bytes, limits));
      }),
      { numRuns: 8 },
    );
  });
});
