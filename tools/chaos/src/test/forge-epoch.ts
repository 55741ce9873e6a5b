import { clone } from '@bufbuild/protobuf';
import { WorldSnapshotSchema, type WorldSnapshot } from '@persistd/contract';
import { worldKeys } from '@persistd/store-redis';
import { prepareEpoch, sealEpochMeta } from '@persistd/validation';
import type Redis from 'ioredis';

/**
 * Test-side damage: writes an epoch straight into Redis, bypassing persistd, in the stored form
 * of DESIGN §5 (chunks, a sealed EpochMeta, optionally the pointer and the request record — the
 * record as store-redis writes it, `<epoch> <content_digest> <digest>`). The checker's tests use
 * it to make stores that no correct daemon would leave; the daemon itself has no switch for it.
 */
export async function forgeEpoch(
  redis: Redis,
  prefix: string,
  world: string,
  epoch: bigint,
  snapshot: WorldSnapshot,
  requestId: string,
  options: { movePointer?: boolean; writeRecord?: boolean } = {},
): Promise<{ contentDigest: string; digest: string }> {
  const keys = worldKeys(prefix, world);
  const prepared = prepareEpoch(clone(WorldSnapshotSchema, snapshot), { worldId: world, requestId, principal: 'forged-by-test', committedAtMs: 0n });
  const sealed = sealEpochMeta(prepared.unsealed, epoch);
  const m = redis.multi();
  for (const c of prepared.chunks) m.set(keys.chunk(c.id), Buffer.from(c.bytes));
  m.set(keys.meta(epoch), Buffer.from(sealed.bytes));
  if (options.movePointer) m.set(keys.epoch, epoch.toString());
  if (options.writeRecord) m.set(keys.req(requestId), `${epoch} ${prepared.contentDigest} ${sealed.digest}`);
  await m.exec();
  return { contentDigest: prepared.contentDigest, digest: sealed.digest };
}

/** A snapshot whose players come from `a` and every other section from `b`: two saves mixed. */
export function mixSections(a: WorldSnapshot, b: WorldSnapshot): WorldSnapshot {
  const mixed = clone(WorldSnapshotSchema, b);
  mixed.players = clone(WorldSnapshotSchema, a).players;
  mixed.players!.sourceEpoch = b.players!.sourceEpoch;
  return mixed;
}
