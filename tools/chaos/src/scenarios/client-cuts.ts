import { Environment, type ScenarioInput } from './environment';
import { writersWithFaults } from './injector';
import type { ScenarioReport } from './report';
import { worldWriters } from './world-writers';

/**
 * Scenario 5: clients reach persistd through a FaultProxy and lose their connection mid-call:
 * the request cut before it reaches persistd, cut just after it did (persistd commits, the client
 * never hears), or the answer cut on its way back; and now and then a deadline so short that it
 * races the commit. Each such call ends UNAVAILABLE or DEADLINE_EXCEEDED without an ErrorInfo —
 * unknown — and the client retries with the same request id: the retry must return
 * the original commit (replayed) or commit once.
 */
export async function clientCuts(input: ScenarioInput): Promise<ScenarioReport> {
  const env = await Environment.start('client-cut', input, { proxyToPersistd: true });
  try {
    const { scale } = input;
    const proxy = env.clientProxy!;
    const faultRng = env.rng.fork('cuts');
    const armed = { 'request cut before': 0, 'request cut after': 0, 'answer cut': 0, 'short deadline': 0 };
    proxy.setChaos({ seed: faultRng.int(0x7fffffff), cutChance: 0.002, delayChance: 0.05, maxDelayMs: 30 });
    const { worlds, writers } = worldWriters(env, {
      worlds: scale.cutWorlds,
      saves: scale.savesPerCutWorld,
      tag: 's5',
      maxAttempts: 8,
      // now and then a deadline so short it races the commit (DEADLINE_EXCEEDED: unknown)
      deadlineOf: (attempt) => (attempt === 1 && faultRng.chance(0.2) ? (armed['short deadline']++, faultRng.between(2, 40)) : 5000),
      // a first attempt is cut more often than not; retries pass (or meet the random chaos)
      beforeCall: (op, attempt) => {
        if (attempt !== 1 || !faultRng.chance(0.6)) return;
        switch (faultRng.int(3)) {
          case 0:
            armed['request cut before']++;
            return proxy.cutOn({ direction: 'up', pattern: op.requestId, when: 'before' });
          case 1:
            armed['request cut after']++;
            return proxy.cutOn({ direction: 'up', pattern: op.requestId, when: 'after' });
          default:
            // the SaveResponse carries the world id; one writer per world, so the next
            // answer naming it is this save's
            armed['answer cut']++;
            return proxy.cutOn({ direction: 'down', pattern: op.world, when: 'before' });
        }
      },
    });
    await writersWithFaults(
      writers,
      async () => 0, // the faults are armed per call, above
      (done) => [env.reader(worlds, done)],
    );
    env.log(`cuts ${proxy.counts.cuts} (${JSON.stringify(armed)}), ${env.history.ops.length} calls`);
    return await env.finish({ 'client cuts': proxy.counts.cuts, delays: proxy.counts.delays, 'short deadlines': armed['short deadline'] });
  } catch (e) {
    await env.close();
    throw e;
  }
}
