import { clone, create, toBinary } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { PlayerRecordSchema, ZoneRecordSchema, type PlayerRecord, type ZoneRecord } from '../gen/caelmor/persist/v1/snapshot_pb';
import { canonicalBytes, canonicalizeInPlace } from './canonical-record';

/** The definition: a canonicalized copy, encoded. */
function byCopy<T extends PlayerRecord | ZoneRecord>(desc: typeof PlayerRecordSchema | typeof ZoneRecordSchema, record: T): Uint8Array {
  const copy = clone(desc as never, record as never) as unknown as Record<string, unknown>;
  canonicalizeInPlace(desc, copy);
  return toBinary(desc as never, copy as never);
}

// Keys JS orders as array indexes ("0", "7", "10") and ones it does not ("01", "-1", "4294967295"), mixed with words.
const KEYS = ['0', '7', '10', '01', '-1', '4294967295', '4294967294', 'a', 'b', 'ab', 'B', 'zz', 'é', ''];
const keyOrder = fc.uniqueArray(fc.constantFrom(...KEYS), { maxLength: KEYS.length });
const double = fc.oneof(fc.constant(-0), fc.constant(0), fc.double({ noNaN: true }));

const player = fc.record({ keys: keyOrder, x: double, y: double, values: fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { minLength: KEYS.length, maxLength: KEYS.length }) }).map(({ keys, x, y, values }) => {
  const attributes: Record<string, bigint> = {};
  keys.forEach((k, i) => (attributes[k] = values[i]));
  return create(PlayerRecordSchema, { playerId: 'p1', save: { zoneId: 'z1', position: { x, y, z: 1.5 }, attributes } });
});
const zone = keyOrder.map((keys) => {
  const flags: Record<string, string> = {};
  for (const k of keys) flags[k] = `v${k}`;
  return create(ZoneRecordSchema, { zoneId: 'z1', templateId: 't', flags });
});

describe('canonicalBytes', () => {
  it('gives the bytes of a canonicalized copy, for records already canonical or not, and leaves the record as it was', () => {
    const seen = { canonical: 0, not: 0 };
    const check = (desc: typeof PlayerRecordSchema | typeof ZoneRecordSchema, record: PlayerRecord | ZoneRecord) => {
      const before = Buffer.from(toBinary(desc as never, record as never));
      const bytes = Buffer.from(canonicalBytes(desc, record as never));
      expect(bytes).toEqual(Buffer.from(byCopy(desc, record)));
      expect(Buffer.from(toBinary(desc as never, record as never))).toEqual(before);
      seen[before.equals(bytes) ? 'canonical' : 'not']++;
    };
    fc.assert(fc.property(player, (r) => check(PlayerRecordSchema, r)), { numRuns: 300 });
    fc.assert(fc.property(zone, (r) => check(ZoneRecordSchema, r)), { numRuns: 300 });
    // Both kinds were exercised: the shortcut and the copy.
    expect(seen.canonical).toBeGreaterThan(50);
    expect(seen.not).toBeGreaterThan(50);
  });

  it('sorts the non-index keys of a map filled out of order, and writes -0 as 0', () => {
    const zone = create(ZoneRecordSchema, { zoneId: 'z1', flags: { b: '1', '10': '2', a: '3', '7': '4' } });
    const sorted = create(ZoneRecordSchema, { zoneId: 'z1', flags: { a: '3', b: '1', '7': '4', '10': '2' } });
    expect(Buffer.from(canonicalBytes(ZoneRecordSchema, zone))).toEqual(Buffer.from(toBinary(ZoneRecordSchema, sorted)));
    const negative = create(PlayerRecordSchema, { playerId: 'p1', save: { position: { x: -0 } } });
    expect(Buffer.from(canonicalBytes(PlayerRecordSchema, negative))).toEqual(Buffer.from(toBinary(PlayerRecordSchema, create(PlayerRecordSchema, { playerId: 'p1', save: { position: {} } }))));
  });
});
