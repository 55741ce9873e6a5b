/** Test-only: drain a Restore stream, raw or decoded, and compare restored records canonically. */
import { create, toBinary } from '@bufbuild/protobuf';
import { rawServerStreamCall, RestoreRequestSchema, type PersistenceService, type RestoreResponse, type TypedClient, type WorldSnapshot } from '@persistd/contract';
import { generateWorld } from '@persistd/testkit';
import { canonicalSections } from '@persistd/validation';

const RESTORE_PATH = '/caelmor.persist.v1.PersistenceService/Restore';

type Client = TypedClient<typeof PersistenceService>;

export async function collect(client: Client, worldId: string, epoch = 0n): Promise<RestoreResponse[]> {
  const out: RestoreResponse[] = [];
  for await (const m of client.restore({ worldId, epoch })) out.push(m);
  return out;
}

export async function collectRaw(client: Client, worldId: string): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const b of rawServerStreamCall(client.grpc, RESTORE_PATH, toBinary(RestoreRequestSchema, create(RestoreRequestSchema, { worldId })))) out.push(b);
  return out;
}

/** The records of a restore, reassembled into a snapshot. */
export function reassemble(messages: RestoreResponse[]): WorldSnapshot {
  const snap = generateWorld({ worldId: 'x', players: 0, zones: 0, npcs: 0, items: 0, quests: 0 });
  for (const m of messages) {
    const p = m.payload;
    if (p.case === 'players') snap.players!.players.push(...p.value.players);
    if (p.case === 'world') snap.world!.zones.push(...p.value.zones);
    if (p.case === 'npcs') snap.npcs!.npcs.push(...p.value.npcs);
    if (p.case === 'items') snap.items!.items.push(...p.value.items);
    if (p.case === 'quests') snap.quests!.quests.push(...p.value.quests);
  }
  return snap;
}

/** Canonical record bytes per section: equal for equal records in any order. */
export const canonicalBytes = (s: WorldSnapshot) => canonicalSections(s).map((x) => Buffer.concat(x.records).toString('base64'));
