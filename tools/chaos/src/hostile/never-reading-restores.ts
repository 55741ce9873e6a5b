import { create, toBinary } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { GetWorldStatusRequestSchema, PersistenceService } from '@persistd/contract';
import { stalledRestore } from '@persistd/testkit';
import { Environment, type ScenarioInput } from '../scenarios/environment';
import type { ScenarioReport } from '../scenarios/report';
import { recordedSave } from '../workload/save-call';
import { contentDigestOf, uniqueSnapshot } from '../workload/snapshots';

/** The daemon's restore budget and stall cut-off here: small, so the hostile readers press on both. */
export const NEVER_READING = {
  restoreBudgetBytes: 2 * 1024 * 1024,
  stallMs: 2000,
  /** Restores opened at once that never read. */
  readers: 12,
} as const;
/** Longest a never-reading restore may last: the daemon's 10 s wait for room, plus a few stalls. */
const END_BOUND_MS = 10_000 + 4 * NEVER_READING.stallMs + 5_000;
const DEADLINE_MS = 20_000;
const GET_WORLD_STATUS = `/${PersistenceService.typeName}/GetWorldStatus`;

/**
 * Hostile readers: restores of a world of about 0.9 MB stored that never read a byte, opened at
 * once, each on a connection of its own, against a daemon whose restore budget holds about two.
 * Each must end RESOURCE_EXHAUSTED — cut off after the stall, or refused after the bounded wait —
 * within END_BOUND_MS; then the same connection answers a GetWorldStatus and a new client restores
 * the world whole. The world's save is in the history, so the checker verifies it as usual.
 */
export async function neverReadingRestores(input: ScenarioInput): Promise<ScenarioReport> {
  const env = await Environment.start('never-reading', input, {
    daemonEnv: { PERSISTD_MAX_RESTORE_BYTES: String(NEVER_READING.restoreBudgetBytes), PERSISTD_RESTORE_STALL_TIMEOUT: String(NEVER_READING.stallMs) },
  });
  try {
    const daemon = env.daemons[0]!;
    const world = 'r-0';
    const snapshot = uniqueSnapshot(world, 0n, 1, env.rng.fork('world'), { players: 50, zones: 50, npcs: 500, items: 16_000, quests: 400 }, true);
    const saved = await recordedSave(env.client(), env.history, { world, requestId: 'never-reading-1', expectedEpoch: 0n, snapshot, contentDigest: contentDigestOf(snapshot, world) }, DEADLINE_MS);
    if (saved.outcome.kind !== 'acknowledged') throw new Error(`never-reading: the world's save was not acknowledged: ${saved.outcome.kind}`);

    const readers = Array.from({ length: NEVER_READING.readers }, () => stalledRestore(daemon.address, world));
    const byStatus: Record<string, number> = {};
    try {
      const ends = await Promise.all(readers.map((r) => r.ended));
      for (const e of ends) {
        const name = grpc.status[e.code] ?? String(e.code);
        byStatus[name] = (byStatus[name] ?? 0) + 1;
        if (e.code !== grpc.status.RESOURCE_EXHAUSTED) env.findings.push({ kind: 'hostile-status', message: `a never-reading restore ended ${name}, not RESOURCE_EXHAUSTED` });
        else if (e.afterMs > END_BOUND_MS) env.findings.push({ kind: 'hostile-hang', message: `a never-reading restore lasted ${e.afterMs} ms (bound ${END_BOUND_MS} ms)` });
      }
      const same = await readers[0]!.callOnSameConnection(GET_WORLD_STATUS, toBinary(GetWorldStatusRequestSchema, create(GetWorldStatusRequestSchema, { worldId: world })));
      if (same.code !== grpc.status.OK) env.findings.push({ kind: 'hostile-hang', message: `the connection of a cut-off restore did not answer GetWorldStatus: ${grpc.status[same.code]}` });
    } finally {
      for (const r of readers) r.close();
    }
    let messages = 0;
    for await (const message of env.client().restore({ worldId: world }, { deadline: Date.now() + DEADLINE_MS })) if (message) messages++;
    if (messages < 6) env.findings.push({ kind: 'hostile-hang', message: `a normal restore after the never-reading ones got ${messages} messages` });
    if (!daemon.alive) env.findings.push({ kind: 'daemon-crash', message: `persistd is not running after the never-reading restores:\n${daemon.logTail()}` });
    env.log(`${NEVER_READING.readers} never-reading restores: ${JSON.stringify(byStatus)}; a normal restore got ${messages} messages`);
    return await env.finish({ 'never-reading restores': NEVER_READING.readers });
  } catch (e) {
    await env.close();
    throw e;
  }
}
