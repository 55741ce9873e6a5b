import { create } from '@bufbuild/protobuf';
import { WorldSnapshotSchema, type WorldSnapshot } from '@persistd/contract';
import type { PersistdClient, RestoreHandlers } from '@persistd/client';
import { contentDigestOf } from '../workload/snapshots';

/** What a restore through persistd handed out: the epoch, its records' own content digest, the epoch digest. */
export interface RestoredContent {
  epoch: bigint;
  contentDigest: string;
  digest: string;
}

/** The activation vouched for other records than the ones streamed (a dirty read). */
export class ContentMismatchError extends Error {}

/**
 * Restores one epoch (0n: the latest) through persistd with the SDK's RestoreDriver (phase
 * order enforced), gathers every record it hands out into a snapshot, and digests those records
 * client-side — so what is compared is what a game server would get, not what the activation
 * message claims.
 */
export async function restoreContent(client: PersistdClient, world: string, epoch: bigint, deadlineMs: number): Promise<RestoredContent> {
  const snapshot: WorldSnapshot = create(WorldSnapshotSchema, { schemaVersion: 1 });
  const handlers: RestoreHandlers = {
    player: (s) => void (snapshot.players ? snapshot.players.players.push(...s.players) : (snapshot.players = s)),
    world: (s) => void (snapshot.world ? snapshot.world.zones.push(...s.zones) : (snapshot.world = s)),
    npc: (s) => void (snapshot.npcs ? snapshot.npcs.npcs.push(...s.npcs) : (snapshot.npcs = s)),
    item: (s) => void (snapshot.items ? snapshot.items.items.push(...s.items) : (snapshot.items = s)),
    quest: (s) => void (snapshot.quests ? snapshot.quests.quests.push(...s.quests) : (snapshot.quests = s)),
  };
  const restored = await client.restore(world, { epoch, deadlineMs }, handlers);
  const contentDigest = contentDigestOf(snapshot, world);
  if (restored.contentDigest !== contentDigest) {
    throw new ContentMismatchError(`the activation of epoch ${restored.epoch} vouches for content ${restored.contentDigest.slice(0, 12)}, the records streamed digest to ${contentDigest.slice(0, 12)}`);
  }
  if (epoch !== 0n && restored.epoch !== epoch) throw new ContentMismatchError(`asked for epoch ${epoch}, restored epoch ${restored.epoch}`);
  return { epoch: restored.epoch, contentDigest, digest: restored.digest };
}
