import * as grpc from '@grpc/grpc-js';
import { fromServiceError, StateSource } from '@persistd/contract';
import { acknowledged, outcomeOfError, refusedWorld, type RefusedWorldKind } from '@persistd/testkit';
import { Environment, type ScenarioInput } from '../scenarios/environment';
import type { ScenarioReport } from '../scenarios/report';
import { contentDigestOf } from '../workload/snapshots';

/**
 * Semantic hostility: well-formed saves that break one rule thousands of times over (items of a
 * deleted player, ids sent twice, one inventory slot claimed by thousands, a cycle of 20,000
 * zones) beside a legal chain of 20,000 zones that must commit. Each refusal must arrive with its
 * status, reason and `violations_total` within a bound — its details bounded (DESIGN §3 Errors),
 * never a trailer so large the call hangs — and the one channel every case rides on must answer
 * the next call each time.
 */
const CASES: readonly { kind: RefusedWorldKind; count: number }[] = [
  { kind: 'dangling-items', count: 1_000 },
  { kind: 'dangling-items', count: 20_000 },
  { kind: 'dangling-items', count: 100_000 },
  { kind: 'duplicate-ids', count: 10_000 },
  { kind: 'slot-flood', count: 5_000 },
  { kind: 'zone-cycle', count: 20_000 },
  { kind: 'zone-chain', count: 20_000 },
];

/** Generous on a loaded 2-core machine: the point is an answer instead of a hang. */
const ANSWER_WITHIN_MS = 30_000;
const NEXT_CALL_WITHIN_MS = 10_000;

export async function semanticRefusals(input: ScenarioInput): Promise<ScenarioReport> {
  const env = await Environment.start('semantic', input);
  try {
    const client = env.client(); // one channel for every case and the call after it
    const faults: Record<string, number> = { 'refusals sent': 0, 'legal chains sent': 0 };
    // every case runs, past the scenario budget if the machine is slow: each call is bounded
    for (const c of CASES) {
      const world = `sem-${c.kind}-${c.count}`;
      const built = refusedWorld(c.kind, world, c.count);
      faults[built.reason ? 'refusals sent' : 'legal chains sent']++;
      const done = env.history.begin({ world, requestId: `${world}-1`, expectedEpoch: 0n, contentDigest: contentDigestOf(built.snapshot, world) });
      const started = Date.now();
      const what = `Save of ${c.count} × ${c.kind}`;
      try {
        const res = await client.save(
          { worldId: world, expectedEpoch: 0n, requestId: `${world}-1`, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot: built.snapshot },
          { deadline: started + ANSWER_WITHIN_MS },
        );
        done(acknowledged(res));
        if (built.reason) env.findings.push({ kind: 'hostile-accepted-invalid', message: `${what} was acknowledged as epoch ${res.committedEpoch}; ${built.reason} expected` });
      } catch (e) {
        done(outcomeOfError(e));
        const err = e as grpc.ServiceError;
        const rich = fromServiceError(err);
        const got = { status: grpc.status[err.code], reason: rich?.reason, total: rich?.metadata.violations_total };
        const want = { status: grpc.status[grpc.status.INVALID_ARGUMENT], reason: built.reason, total: String(built.violations) };
        if (err.code === grpc.status.DEADLINE_EXCEEDED && !rich) env.findings.push({ kind: 'hostile-hang', message: `${what}: no answer within ${ANSWER_WITHIN_MS} ms` });
        else if (JSON.stringify(got) !== JSON.stringify(want)) env.findings.push({ kind: 'hostile-status', message: `${what}: answered ${JSON.stringify(got)}, expected ${JSON.stringify(want)} (${err.details})` });
      }
      env.log(`${what}: answered in ${Date.now() - started} ms`);
      try {
        await client.getWorldStatus({ worldId: world }, { deadline: Date.now() + NEXT_CALL_WITHIN_MS });
      } catch (e) {
        env.findings.push({ kind: 'hostile-hang', message: `after the ${what}, the same channel did not answer GetWorldStatus: ${(e as Error).message}` });
      }
    }
    return await env.finish(faults);
  } catch (e) {
    await env.close();
    throw e;
  }
}
