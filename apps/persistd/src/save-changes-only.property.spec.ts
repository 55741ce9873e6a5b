import { clone } from '@bufbuild/protobuf';
import { codeRank } from '@persistd/contract';
import { generateWorld } from '@persistd/testkit';
import { COMPILED_MODULES } from '@persistd/validation';
import fc from 'fast-check';
import { changesRequest, sectionNames } from './test/change-sets';
import { refusalOf, saveRequest, startTestDaemon, type TestDaemon } from './test/test-daemon';

type Bag = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The violations only a change set can have (DESIGN §3), one of each kind per run at most, each on its own record. */
const anomaly = fc.constantFrom('upserted twice, identical', 'upserted twice, different', 'upserted and deleted', 'deleted twice', 'deleted but absent');

const ID = ['playerId', 'zoneId', 'npcId', 'itemId', 'questId'];
const list = (w: Bag, k: number): Bag[] => w[sectionNames[k].section][sectionNames[k].records];

describe('property: violations only a change set can have', () => {
  let t: TestDaemon;
  beforeAll(async () => {
    t = await startTestDaemon();
  });
  afterAll(() => t.stop());

  it('are reported with their codes at <records field>.upserts[<id>] / .deletes[<id>], in canonical order', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(anomaly, { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 1000 }), fc.constantFrom(3, 4), async (kinds, seed, k) => {
        run++;
        const worldId = `cso-${run}`;
        const base = generateWorld({ worldId, players: 3, zones: 3, npcs: 2, items: 8, quests: 6, seed });
        await t.client.save(saveRequest(worldId, base, 0n));
        // Items and quests: nothing references them, so deleting one strands nothing.
        const { records } = sectionNames[k];
        const desc = COMPILED_MODULES[k].recordDesc;
        const sections = Array.from({ length: 5 }, () => ({ upserts: [] as Bag[], deletes: [] as string[] }));
        const expected: string[] = [];
        kinds.forEach((kind, i) => {
          const r = list(base, k)[i];
          const id = r[ID[k]] as string;
          const changed = () => {
            const c = clone(desc, r as never) as Bag;
            if (k === 3) c.durability += 1 + i;
            else c.stage += 1 + i;
            return c;
          };
          switch (kind) {
            case 'upserted twice, identical':
              sections[k].upserts.push(changed(), changed());
              expected.push(`DUPLICATE_ID ${records}.upserts[${id}]`);
              break;
            case 'upserted twice, different': {
              const other = changed();
              if (k === 3) other.durability += 50;
              else other.stage += 50;
              sections[k].upserts.push(changed(), other);
              expected.push(`OWNERSHIP_OVERLAP ${records}.upserts[${id}]`);
              break;
            }
            case 'upserted and deleted':
              sections[k].upserts.push(changed());
              sections[k].deletes.push(id);
              expected.push(`OWNERSHIP_OVERLAP ${records}.deletes[${id}]`);
              break;
            case 'deleted twice':
              sections[k].deletes.push(id, id);
              expected.push(`DUPLICATE_ID ${records}.deletes[${id}]`);
              break;
            case 'deleted but absent':
              sections[k].deletes.push(`ghost-${i}`);
              expected.push(`DANGLING_REFERENCE ${records}.deletes[ghost-${i}]`);
              break;
          }
        });
        const err = await refusalOf(t.client.saveChanges(changesRequest(worldId, 1n, `cso-${run}-1`, sections, { contentVersion: base.world!.contentVersion })));
        const got = err.violations.map((v) => `${v.description.split(':')[0]} ${v.field}`);
        expect([...got].sort()).toEqual([...expected].sort());
        const ranks = got.map((g) => codeRank(g.split(' ')[0]));
        expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
        expect(err.reason).toBe(got[0].split(' ')[0]);
        expect((await t.client.getWorldStatus({ worldId })).committedEpoch).toBe(1n);
      }),
      { numRuns: 25 },
    );
  });
});
