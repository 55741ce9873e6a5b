
import { setTimeout as sleep } from 'node:timers/promises';
import { Environment, type ScenarioInput } from './environment';
import { writersWithFaults } from './injector';
import { worldWriters } from './world-writers';
import type { ScenarioReport } from './report';

/** Kill window after the port opens, in ms: a restarted daemon gets this long before the next SIGKILL. */
export const CRASH_LOOP_KILL_AFTER_MS = { min: 350, max: 1050 } as const;

/** Saves per world, as a multiple of the scale's: enough that the writers outlive several kills. */
export const CRASH_LOOP_SAVES_FACTOR = 5;

/**
 * Attempts per logical save (the other scenarios: 12, about 4 s of backoff). A game server retries
 * an unknown outcome across a restart of the daemon, and a restart takes seconds on a loaded
 * machine: about 15 s of retries outlive one.
 */
export const CRASH_LOOP_MAX_ATTEMPTS = 40;

/** The report, and how many logical saves the writers finished (acknowledged, refused or given up on). */
export interface CrashLoopReport extends ScenarioReport {
  logicalSavesFinished: number;
}

/**
 * Scenario 8: a fast crash loop. The built daemon is SIGKILLed 0.35–1.05 s (seeded) after each
 * time its port opens, and started again at once, while game-server writers save throughout.
 * Because the daemon listens only once it is ready, the short windows between kills still
 * acknowledge saves; the checker holds that none acknowledged is lost and none half-applied.
 */
export async function crashLoop(input: ScenarioInput): Promise<CrashLoopReport> {
  const env = await Environment.start('crash-loop', input);
  try {
    const { scale } = input;
    const daemon = env.daemons[0]!;
    const { worlds, progress, writers } = worldWriters(env, { worlds: scale.worlds, saves: scale.savesPerWorld * CRASH_LOOP_SAVES_FACTOR, tag: 's8', maxAttempts: CRASH_LOOP_MAX_ATTEMPTS });
    const rng = env.rng.fork('crash-loop');
    const kills = await writersWithFaults(
      writers,
      async (done) => {
        let n = 0;
        // restart() resolves once the daemon answers on its port: the kill window starts there.
        while (!done() && Date.now() < env.stopAt) {
          await sleep(rng.between(CRASH_LOOP_KILL_AFTER_MS.min, CRASH_LOOP_KILL_AFTER_MS.max));
          if (done()) break;
          await daemon.kill();
          n++;
          await daemon.restart();
        }
        return n;
      },
      (done) => [env.reader(worlds, done)],
    );
    env.log(`${kills} kills, ${env.history.ops.length} calls`);
    return { ...(await env.finish({ 'persistd kills': daemon.kills })), logicalSavesFinished: progress.done };
  } catch (e) {
    await env.close();
    throw e;
  }
}
