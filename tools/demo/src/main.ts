/**
 * `npm run demo`: one save and one restore of a sample world against a running persistd, through
 * the SDK a game server uses. Prints each restore message as it arrives (phase, system, records),
 * then activates the world and prints its digests. Exits non-zero with the refusal on error.
 *
 * PERSISTD_ADDRESS (default 127.0.0.1:50051) says where persistd listens; PERSISTD_TOKEN, when
 * set, is sent as `authorization: Bearer <token>`.
 */
import { OwnerSystem, RestorePhase, StateSource } from '@persistd/contract';
import { PersistdClient, type RestoreHandlers, type SectionContext } from '@persistd/client';
import { generateWorld } from '@persistd/testkit';
import { describeError } from './describe-error';

const WORLD_ID = 'demo-world';
const DEADLINE_MS = 30_000;

/** A handler that only reports what arrived; a game server would stage the records, inactive. */
function printer(): RestoreHandlers {
  const print = (_section: unknown, c: SectionContext) =>
    console.log(`  ${RestorePhase[c.phase].padEnd(10)} ${OwnerSystem[c.system].padEnd(7)} chunk ${c.chunk}  ${c.records} records`);
  return { player: print, world: print, npc: print, item: print, quest: print };
}

async function main(): Promise<void> {
  const address = process.env.PERSISTD_ADDRESS || '127.0.0.1:50051';
  const client = new PersistdClient(address, { token: process.env.PERSISTD_TOKEN || undefined });
  try {
    console.log(`persistd at ${address}`);
    const status = await client.getWorldStatus(WORLD_ID, { deadlineMs: DEADLINE_MS });
    const expectedEpoch = status.committedEpoch;
    console.log(`${WORLD_ID}: committed epoch ${expectedEpoch}${expectedEpoch === 0n ? ' (never saved)' : ''}`);

    const snapshot = generateWorld({ worldId: WORLD_ID, players: 50, zones: 20, npcs: 80, items: 250, quests: 60, epoch: expectedEpoch });
    const saved = await client.save({ worldId: WORLD_ID, expectedEpoch, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot }, { deadlineMs: DEADLINE_MS });
    const c = saved.counts;
    console.log(`saved epoch ${saved.committedEpoch}${saved.replayed ? ' (replayed)' : ''}: ${c?.players} players, ${c?.zones} zones, ${c?.npcs} npcs, ${c?.items} items, ${c?.quests} quests`);

    console.log(`restoring epoch ${saved.committedEpoch}:`);
    const world = await client.restore(WORLD_ID, { epoch: saved.committedEpoch, deadlineMs: DEADLINE_MS }, printer());
    console.log(`  ACTIVATION restored ${world.isActive ? 'active' : 'inactive'}`);
    world.activate();
    console.log(`activated: ${world.isActive}`);
    console.log(`digest          ${world.digest}${world.digest === saved.digest ? '' : '  (differs from the save!)'}`);
    console.log(`content digest  ${world.contentDigest}`);
  } finally {
    client.close();
  }
}

main().catch((e: unknown) => {
  console.error(describeError(e));
  process.exitCode = 1;
});
