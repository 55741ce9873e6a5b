
import { setTimeout as sleep } from 'node:timers/promises';
import { Environment, type ScenarioInput } from './environment';
import { injectDuring, writersWithFaults } from './injector';
import { worldWriters } from './world-writers';
import type { ScenarioReport } from './report';

/**
 * Scenario 1: a stream of saves over 8 worlds while persistd is SIGKILLed at random moments and
 * started again on the same port. Saves caught by a kill end unknown and are retried with their
 * request id; nothing acknowledged may be lost, nothing half-applied.
 */
export async function persistdKills(input: ScenarioInput): Promise<ScenarioReport> {
  const env = await Environment.start('persistd-kill', input);
  try {
    const { scale } = input;
    const daemon = env.daemons[0]!;
    const { worlds, progress, writers } = worldWriters(env, { worlds: scale.worlds, saves: scale.savesPerWorld, tag: 's1' });
    const faultRng = env.rng.fork('kills');
    const kills = await writersWithFaults(writers, (done) =>
      injectDuring(faultRng, scale.persistdKills, progress, done, env.stopAt, async () => {
        await daemon.kill();
        await sleep(faultRng.between(20, 300));
        await daemon.restart();
      }),
      (done) => [env.reader(worlds, done)],
    );
    env.log(`${kills} kills, ${env.history.ops.length} calls`);
    return await env.finish({ 'persistd kills': daemon.kills });
  } catch (e) {
    await env.close();
    throw e;
  }
}
