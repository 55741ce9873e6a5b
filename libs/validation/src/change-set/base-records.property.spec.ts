import { WireType } from '@bufbuild/protobuf/wire';
import { generateWorld, worldShapeArbitrary } from '@persistd/testkit';
import fc from 'fast-check';
import { recordEntry } from '../stored-form/chunks';
import { encodeRequest, mutateBytes, recordBytesBySection, requestOf, WIRE_MUTATIONS, type Pick } from '../wire/test/mutations';
import { readRecordId, readSectionPayload, type BaseSection } from './base-records';
import { CHANGES_LAYOUT } from './layout';

/**
 * A base's record ids are read by a hand walk of each record's fields (base-records.ts): for any
 * record bytes — stored ones, every wire mutation of the save path's property test, bytes
 * flipped or cut — it gives the id the library's reader gives, or fails where that one fails.
 */

const shape = worldShapeArbitrary({ players: { min: 1, max: 5 }, zones: { min: 2, max: 4 }, npcs: { min: 1, max: 5 }, items: { min: 2, max: 8 }, quests: { min: 1, max: 5 }, worldIdMaxLength: 16 });

const picker = (randoms: fc.Stream<number>): Pick => (n) => (n <= 1 ? 0 : randoms.next().value % n);

const outcome = (read: () => string) => {
  try {
    return read();
  } catch {
    return 'fails';
  }
};

/** The id readSectionPayload finds for one record of system k, and the library's. */
function bothReads(record: Uint8Array, k: number): [string, string] {
  const layout = CHANGES_LAYOUT[k];
  const into: BaseSection = { ids: [], entries: [], bodyAt: [] };
  return [
    outcome(() => {
      readSectionPayload(recordEntry(layout.compiled.recordsField.number, record), layout, into);
      return into.ids[0];
    }),
    outcome(() => readRecordId(record, layout.idFieldNo)),
  ];
}

function expectSameIds(records: Uint8Array[][]): void {
  for (const [k, rs] of records.entries()) for (const r of rs) {
    const [hand, library] = bothReads(r, k);
    expect(hand).toBe(library);
  }
}

describe('property: base record ids read by hand are the library reader’s', () => {
  it.each(Object.keys(WIRE_MUTATIONS))('records with %s', (name) => {
    fc.assert(
      fc.property(shape, fc.infiniteStream(fc.nat()), fc.boolean(), (s, randoms, canonical) => {
        const saved = encodeRequest(requestOf(s.worldId, generateWorld(s), 0n, 'r'), canonical);
        expectSameIds(recordBytesBySection(mutateBytes(saved, [name], picker(randoms))));
      }),
      { numRuns: 10 },
    );
  });

  it('records cut short or with a byte flipped', () => {
    fc.assert(
      fc.property(shape, fc.infiniteStream(fc.nat()), (s, randoms) => {
        const pick = picker(randoms);
        const records = recordBytesBySection(encodeRequest(requestOf(s.worldId, generateWorld(s), 0n, 'r'), true));
        expectSameIds(
          records.map((rs) =>
            rs.map((r) => {
              const out = Uint8Array.from(r);
              out[pick(out.length)] ^= 1 << pick(8);
              return pick(2) === 0 ? out : out.subarray(0, pick(out.length));
            }),
          ),
        );
      }),
      { numRuns: 40 },
    );
  });

  it('odd tags, groups, a repeated id field and a non-ASCII id', () => {
    const k = CHANGES_LAYOUT.findIndex((l) => l.compiled.entry.section === 'items');
    const no = CHANGES_LAYOUT[k].idFieldNo;
    const tag = (field: number, wt: WireType) => [(field << 3) | wt];
    const text = (s: string) => [...Buffer.from(s)].length;
    const ld = (field: number, s: string) => [...tag(field, WireType.LengthDelimited), text(s), ...Buffer.from(s)];
    const cases = [
      [...ld(no, 'first'), ...ld(no, 'second')],
      [...ld(no, 'zoë')],
      [0, 1, ...ld(no, 'x')], // field 0
      [...tag(99, WireType.StartGroup), ...tag(99, WireType.EndGroup), ...ld(no, 'g')],
      [0x80, 0x80, 0x80, 0x80, 0x80, 0x08, ...ld(no, 'long tag')], // a 6-byte tag the library cuts to 32 bits
      [(7 << 3) | 6, 1], // wire type 6
    ].map((bytes) => Uint8Array.from(bytes));
    expectSameIds(CHANGES_LAYOUT.map((_, j) => (j === k ? cases : [])));
    expect(bothReads(cases[0], k)).toEqual(['second', 'second']);
    expect(bothReads(cases[1], k)).toEqual(['zoë', 'zoë']);
  });
});
