import { clone } from '@bufbuild/protobuf';
import { WorldSnapshotSchema, type WorldSnapshot } from '@persistd/contract';
import { generateWorld, scrapeMetrics, worldShapeArbitrary } from '@persistd/testkit';
import { COMPILED_MODULES } from '@persistd/validation';
import fc from 'fast-check';
import { changesRequest, diffSnapshots, expectationsOf, resultOf } from './test/change-sets';
import { canonicalBytes, collect, reassemble } from './test/restore-helpers';
import { refusalOf, saveRequest, startTestDaemon, type TestDaemon } from './test/test-daemon';
import { applyEdits, worldEdit } from './test/world-edits';

/** What a save answered, as DESIGN §4 compares it: accept or the reason and each violation's code and path (messages may differ). */
async function answerOf(call: Promise<{ contentDigest: string }>): Promise<{ accepted: true; contentDigest: string } | { accepted: false; reason: string; violations: string[] }> {
  try {
    const res = await call;
    return { accepted: true, contentDigest: res.contentDigest };
  } catch {
    const err = await refusalOf(call);
    return { accepted: false, reason: err.reason, violations: err.violations.map((v) => `${v.description.split(':')[0]} ${v.field}`) };
  }
}

/** SaveChanges judged against their base epoch, by path (persistd_save_changes_total). */
async function pathCounts(t: TestDaemon): Promise<{ fast: number; rebuilt: number; full: number }> {
  const samples = await scrapeMetrics(t.daemon.metricsUrl!);
  const of = (path: string) => samples.value('persistd_save_changes_total', { path }) ?? 0;
  return { fast: of('fast'), rebuilt: of('rebuilt'), full: of('full') };
}

// The shape's world id is replaced by one of the run's own (eq-N).
const shape = worldShapeArbitrary({ players: { min: 1, max: 5 }, zones: { min: 2, max: 7 }, npcs: { max: 5 }, items: { max: 10 }, quests: { max: 5 } });

const restamp = (w: WorldSnapshot, worldId: string, epoch: bigint) => {
  const out = clone(WorldSnapshotSchema, w);
  out.world!.worldId = worldId;
  for (const s of [out.players, out.world, out.npcs, out.items, out.quests]) s!.sourceEpoch = epoch;
  return out;
};

describe('property: SaveChanges answers as a Save of its result', () => {
  let t: TestDaemon;
  beforeAll(async () => {
    t = await startTestDaemon();
  });
  afterAll(() => t.stop());

  it('at the committed epoch, with a fresh id and no change-set-only violation: same answer, same content_digest, same restored records', async () => {
    let run = 0;
    const seen = { accepted: 0, refused: new Set<string>(), rebuilt: 0 };
    await fc.assert(
      fc.asyncProperty(shape, fc.array(worldEdit, { maxLength: 6 }), fc.boolean(), fc.boolean(), async (s, edits, withExpectations, indexHeld) => {
        run++;
        const worldId = `eq-${run}`;
        const twinId = `eq-${run}-twin`;
        const base = generateWorld({ ...s, worldId });
        await t.client.save(saveRequest(worldId, base, 0n));
        await t.client.save(saveRequest(twinId, restamp(base, twinId, 0n), 0n));
        // With the index held: a change set with no change first, so the daemon holds the index of
        // epoch 2 (what a game server that saves changes in turn meets). Without: the change goes
        // to epoch 1, which a whole Save committed and nothing indexed, so its index is rebuilt.
        if (indexHeld) {
          const none = diffSnapshots(base, base);
          await t.client.saveChanges(changesRequest(worldId, 1n, `eq-${run}-none`, none, { contentVersion: base.world!.contentVersion }));
          await t.client.save(saveRequest(twinId, restamp(base, twinId, 1n), 1n));
        }
        const epoch = indexHeld ? 2n : 1n;
        const target = restamp(base, worldId, epoch);
        applyEdits(target, edits, (k, r) => clone(COMPILED_MODULES[k].recordDesc, r as never) as never);
        const req = changesRequest(worldId, epoch, `eq-${run}-changes`, diffSnapshots(base, target), { contentVersion: base.world!.contentVersion });
        if (withExpectations) for (const [k, name] of (['players', 'world', 'npcs', 'items', 'quests'] as const).entries()) Object.assign(req.changes![name]!, expectationsOf(target, k));

        const before = await pathCounts(t);
        const changes = await answerOf(t.client.saveChanges(req));
        const after = await pathCounts(t);
        const whole = await answerOf(t.client.save(saveRequest(twinId, restamp(resultOf(base, req), twinId, epoch), epoch)));
        expect(changes).toEqual(whole);
        // Every accepted change set took the fast path (after rebuilding the index when it was not held): the full path is left to refusals.
        if (changes.accepted) expect(indexHeld ? after.fast - before.fast : after.rebuilt - before.rebuilt).toBe(1);
        if (!changes.accepted) seen.refused.add(changes.reason);
        if (changes.accepted) {
          seen.accepted++;
          if (!indexHeld) seen.rebuilt++;
          const [a, b] = [reassemble(await collect(t.client, worldId)), reassemble(await collect(t.client, twinId))];
          expect(canonicalBytes(a)).toEqual(canonicalBytes(b));
          expect(canonicalBytes(a)).toEqual(canonicalBytes(target));
        }
      }),
      { numRuns: 30 },
    );
    // The runs compared both kinds of answer, refusals of more than one rule among them.
    expect(seen.accepted).toBeGreaterThan(0);
    expect(seen.rebuilt).toBeGreaterThan(0);
    expect(seen.refused.size).toBeGreaterThan(1);
  });
});
