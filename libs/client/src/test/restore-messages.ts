import { create } from '@bufbuild/protobuf';
import { ActivationState, RestorePhase, RestoreResponseSchema, type RestoreResponse, type WorldSnapshot } from '@persistd/contract';
import { OWNER_SYSTEMS } from '@persistd/ownership';

/** How to cut a world into a restore stream. */
export interface RestoreStreamShape {
  epoch: bigint;
  /** Records per section message (a stored chunk); an empty section is still one message. */
  recordsPerMessage?: number;
}

/**
 * @internal test support. The legal restore stream of a world, as the daemon would send it:
 * every section in phase order, cut into messages that each carry the full header, then one
 * activation that counts the records and lists the five systems INACTIVE. Tests damage copies.
 */
export function restoreMessages(world: WorldSnapshot, shape: RestoreStreamShape): RestoreResponse[] {
  const { epoch } = shape;
  const per = shape.recordsPerMessage ?? 3;
  const messages: RestoreResponse[] = [];
  const counts: Record<string, number> = {};
  for (const entry of OWNER_SYSTEMS) {
    const section = world[entry.section]!;
    const records = (section as unknown as Record<string, unknown[]>)[entry.recordField];
    counts[entry.recordField] = records.length;
    for (let at = 0; at === 0 || at < records.length; at += per) {
      const value = { ...section, sourceEpoch: epoch, [entry.recordField]: records.slice(at, at + per) };
      messages.push(create(RestoreResponseSchema, { phase: entry.phase, epoch, payload: { case: entry.section, value } as RestoreResponse['payload'] }));
    }
  }
  messages.push(
    create(RestoreResponseSchema, {
      phase: RestorePhase.ACTIVATION,
      epoch,
      payload: {
        case: 'activation',
        value: {
          worldId: world.world!.worldId,
          epoch,
          digest: 'a'.repeat(64),
          contentDigest: 'b'.repeat(64),
          schemaVersion: world.schemaVersion,
          counts,
          systems: OWNER_SYSTEMS.map((e) => ({ system: e.system, state: ActivationState.INACTIVE })),
        },
      },
    }),
  );
  return messages;
}
