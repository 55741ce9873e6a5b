
import { setTimeout as sleep } from 'node:timers/promises';
import { Environment, type ScenarioInput } from './environment';
import { injectDuring, writersWithFaults } from './injector';
import { worldWriters } from './world-writers';
import type { ScenarioReport } from './report';

/**
 * Scenario 2: redis-server (AOF, appendfsync always) SIGKILLed mid-load and started again on the
 * same files and port. Every acknowledged save was fsynced before its EXEC reply, so it must be
 * there after the restart; saves in flight end refused (STORE_UNAVAILABLE: nothing applied) or
 * unknown (COMMIT_OUTCOME_UNKNOWN), and are retried with their request id.
 */
export async function redisKills(input: ScenarioInput): Promise<ScenarioReport> {
  const env = await Environment.start('redis-kill', input);
  try {
    const { scale } = input;
    const { worlds, progress, writers } = worldWriters(env, { worlds: scale.worlds, saves: scale.savesPerWorld, tag: 's2' });
    const faultRng = env.rng.fork('kills');
    const kills = await writersWithFaults(writers, (done) =>
      injectDuring(faultRng, scale.redisKills, progress, done, env.stopAt, async () => {
        await env.redis.kill();
        await sleep(faultRng.between(20, 500));
        await env.redis.restart();
      }),
      (done) => [env.reader(worlds, done)],
    );
    env.log(`${kills} redis kills, ${env.history.ops.length} calls`);
    return await env.finish({ 'redis kills': env.redis.kills });
  } catch (e) {
    await env.close();
    throw e;
  }
}
