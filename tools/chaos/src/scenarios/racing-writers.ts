import { recordedSave, type SaveOp } from '../workload/save-call';
import type { WorldSnapshot } from '@persistd/contract';
import { contentDigestOf, uniqueSnapshot } from '../workload/snapshots';
import { Progress } from '../workload/writer';
import { Environment, type ScenarioInput } from './environment';
import type { ScenarioReport } from './report';

const WRITERS = 16;
const WORLD = 'race';

/**
 * Scenario 4: 16 writers race on one world, round after round, through two persistd processes
 * sharing the store (so the race is decided by WATCH/MULTI/EXEC in Redis, not by one daemon's
 * queue). Each round, writers 0–11 expect the committed epoch (all but one must get
 * EPOCH_CONFLICT), writer 1 sends writer 0's very request (same request id and snapshot: it must
 * be answered with that one commit, never a second), and writers 12–15 send a stale expected epoch
 * (always EPOCH_CONFLICT). Exactly one save may commit per round. Odd writers, and writer 0 (so
 * writer 1's copy too) every other round, send SaveChanges against the content of the epoch they
 * expect (the winners' snapshots are kept by epoch), so the race mixes both RPCs.
 */
export async function racingWriters(input: ScenarioInput): Promise<ScenarioReport> {
  const env = await Environment.start('racing', input, { daemons: 2 });
  try {
    const clients = Array.from({ length: WRITERS }, (_, i) => env.client(i % 2));
    const progress = new Progress(input.scale.racingRounds * WRITERS);
    // epoch 1 first, so a stale expected epoch (below the committed one) exists from round 1 on
    const first = uniqueSnapshot(WORLD, 0n, progress.opNumber(), env.rng);
    await recordedSave(clients[0]!, env.history, { world: WORLD, requestId: `s4-setup-${env.rng.hex(6)}`, expectedEpoch: 0n, snapshot: first, contentDigest: contentDigestOf(first, WORLD) }, 10_000);
    const contentOf = new Map<bigint, WorldSnapshot>([[1n, first]]);
    let rounds = 0;
    for (let round = 1; round <= input.scale.racingRounds && Date.now() < env.stopAt; round++) {
      const committed = (await clients[0]!.getWorldStatus({ worldId: WORLD })).committedEpoch;
      const ops: SaveOp[] = [];
      for (let i = 0; i < WRITERS; i++) {
        if (i === 1) {
          ops.push(ops[0]!);
          continue;
        }
        const expectedEpoch = i < 12 ? committed : stale(committed, env.rng.int(3));
        const snapshot = uniqueSnapshot(WORLD, expectedEpoch, progress.opNumber(), env.rng);
        const changes = i % 2 === 1 || (i === 0 && round % 2 === 0);
        const base = changes ? contentOf.get(expectedEpoch) : undefined;
        ops.push({ world: WORLD, requestId: `s4-r${round}-w${i}-${env.rng.hex(6)}`, expectedEpoch, snapshot, contentDigest: contentDigestOf(snapshot, WORLD), base });
      }
      const records = await Promise.all(ops.map((op, i) => recordedSave(clients[i]!, env.history, op, 10_000)));
      records.forEach((r, i) => {
        if (r.outcome.kind === 'acknowledged' && !r.outcome.replayed) contentOf.set(r.outcome.epoch, ops[i]!.snapshot);
      });
      progress.done += WRITERS;
      rounds++;
      const after = (await clients[0]!.getWorldStatus({ worldId: WORLD })).committedEpoch;
      if (after !== committed + 1n) {
        env.findings.push({ kind: 'no-progress', message: `round ${round}: epoch went from ${committed} to ${after}; exactly one of ${WRITERS} racing saves must commit` });
      }
    }
    const counts = env.history.counts();
    env.log(`${rounds} rounds, ${counts.refusedBy.EPOCH_CONFLICT ?? 0} conflicts`);
    return await env.finish({ conflicts: counts.refusedBy.EPOCH_CONFLICT ?? 0 });
  } catch (e) {
    await env.close();
    throw e;
  }
}

/**
 * An expected epoch behind the committed one. (Never ahead: a save expecting N+1 would rightly
 * commit once another writer of the round has made N+1.)
 */
function stale(committed: bigint, by: number): bigint {
  const back = committed - 1n - BigInt(by);
  return back >= 0n ? back : 0n;
}
