
import { setTimeout as sleep } from 'node:timers/promises';
import { sharedSnapshot, uniqueSnapshot } from '../workload/snapshots';
import { Progress, runWriter } from '../workload/writer';
import { Environment, type ScenarioInput } from './environment';
import { injectDuring, writersWithFaults } from './injector';
import type { ScenarioReport } from './report';

const WORLD = 'shared';
const WRITERS = 8;
/** Low on purpose: every few commits drop an epoch, and with it chunks later epochs may list again. */
const RETENTION = 2;

/**
 * Scenario 6 (beyond the five fault scenarios): retention under contention. Eight writers save one
 * world through two persistd processes with PERSISTD_RETENTION=2; their snapshots share most
 * chunks, so every commit drops an epoch whose chunks the next epochs may list again; readers
 * restore the latest epoch from both daemons all the while, and the second daemon is SIGKILLed
 * now and then. Readers must never meet a missing chunk, acknowledged epochs must hold their
 * saves until retention drops them, unknown outcomes resolve from the request records.
 */
export async function retentionRace(input: ScenarioInput): Promise<ScenarioReport> {
  const env = await Environment.start('retention', input, { daemons: 2, retention: RETENTION });
  try {
    const { scale } = input;
    const base = uniqueSnapshot(WORLD, 0n, 0, env.rng.fork('base'));
    const progress = new Progress(WRITERS * scale.savesPerWorld);
    const writers = Array.from({ length: WRITERS }, (_, i) =>
      runWriter({
        world: WORLD,
        client: env.client(i % 2),
        history: env.history,
        rng: env.rng.fork(`writer-${i}`),
        progress,
        saves: scale.savesPerWorld,
        tag: `s6-w${i}`,
        deadlineMs: 5000,
        maxAttempts: 12,
        stopAt: env.stopAt,
        makeSnapshot: (_world, expected, opNumber, rng) => sharedSnapshot(base, expected, opNumber, rng),
      }),
    );
    const faultRng = env.rng.fork('kills');
    const second = env.daemons[1]!;
    await writersWithFaults(
      writers,
      (done) =>
        injectDuring(faultRng, Math.max(1, Math.floor(scale.persistdKills / 2)), progress, done, env.stopAt, async () => {
          await second.kill();
          await sleep(faultRng.between(20, 300));
          await second.restart();
        }),
      (done) => [env.reader([WORLD], done, 0), env.reader([WORLD], done, 1)],
    );
    const counts = env.history.counts();
    env.log(`${second.kills} kills, ${counts.refusedBy.EPOCH_CONFLICT ?? 0} conflicts, ${env.history.reads.length} restores`);
    return await env.finish({ 'persistd kills': second.kills, conflicts: counts.refusedBy.EPOCH_CONFLICT ?? 0 });
  } catch (e) {
    await env.close();
    throw e;
  }
}
