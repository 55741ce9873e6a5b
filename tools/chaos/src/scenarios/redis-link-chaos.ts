import { setTimeout as sleep } from 'node:timers/promises';
import { waitUntil } from '../time';
import { Environment, type ScenarioInput } from './environment';
import { injectDuring, writersWithFaults } from './injector';
import { worldWriters } from './world-writers';
import type { ScenarioReport } from './report';

/**
 * Scenario 3: a FaultProxy between persistd and Redis that drops (cuts) connections and delays
 * chunks at random (seeded), plus scheduled faults: a stall of all traffic, a cut of every
 * connection, a cut right after or right before an EXEC passes (the reply lost, or the
 * transaction never sent), and a spell of refused connections.
 */
export async function redisLinkChaos(input: ScenarioInput): Promise<ScenarioReport> {
  const env = await Environment.start('redis-link', input, { proxyToRedis: true });
  try {
    const { scale } = input;
    const proxy = env.redisProxy!;
    const faultRng = env.rng.fork('link');
    const scheduled = { stalls: 0, 'cut all': 0, 'cut at EXEC': 0, refusals: 0 };
    proxy.setChaos({ seed: faultRng.int(0x7fffffff), cutChance: 0.004, delayChance: 0.05, maxDelayMs: 40 });

    const { worlds, progress, writers } = worldWriters(env, { worlds: scale.worlds, saves: scale.savesPerWorld, tag: 's3' });
    // every kind of scheduled fault in turn (a cut first), so even a short run meets them all
    await writersWithFaults(writers, (done) =>
      injectDuring(faultRng, scale.linkFaults, progress, done, env.stopAt, async (k) => {
        switch ((k + 1) % 4) {
          case 0: {
            // every third stall (from the second) as long as the scale allows: in the long form past
            // persistd's 10 s command timeout, so a commit gives up while its EXEC is still held here
            const long = scheduled.stalls % 3 === 1;
            scheduled.stalls++;
            proxy.stall(true);
            await sleep(long ? scale.maxStallMs : faultRng.between(100, Math.min(scale.maxStallMs, 1500)));
            proxy.stall(false);
            break;
          }
          case 1:
            scheduled['cut all']++;
            proxy.cutAll();
            break;
          case 2: {
            // the next transaction's EXEC: reply lost ('after') or transaction never sent ('before')
            scheduled['cut at EXEC']++;
            const before = proxy.counts.cuts;
            proxy.cutOn({ direction: 'up', pattern: 'EXEC', when: faultRng.chance(0.5) ? 'after' : 'before' });
            await waitUntil(() => proxy.counts.cuts > before || done(), 1000);
            break;
          }
          default: {
            scheduled.refusals++;
            proxy.refuse(true);
            await sleep(faultRng.between(50, 400));
            proxy.refuse(false);
          }
        }
      }),
      (done) => [env.reader(worlds, done)],
    );
    const c = proxy.counts;
    env.log(`cuts ${c.cuts}, delays ${c.delays}, ${JSON.stringify(scheduled)}, ${env.history.ops.length} calls`);
    return await env.finish({ cuts: c.cuts, delays: c.delays, stalls: scheduled.stalls, refusals: scheduled.refusals });
  } catch (e) {
    await env.close();
    throw e;
  }
}
