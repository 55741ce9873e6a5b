import { StateSource } from '@persistd/contract';
import { type DaemonProcess, smallWorld, startDaemonProcess } from '@persistd/testkit';
import { PersistdClient } from './persistd-client';
import { EpochConflictError, isWorldDeleted, PersistdError, WorldDeletedError } from './persistd-error';
import type { RestoreHandlers } from './restore-handlers';

let daemon: DaemonProcess;
let client: PersistdClient;

beforeAll(async () => {
  daemon = await startDaemonProcess({}, 'wd');
  client = new PersistdClient(daemon.address);
}, 120_000);
afterAll(async () => {
  client.close();
  await daemon?.stop();
});

const save = (worldId: string, expectedEpoch: bigint) => client.save({ worldId, expectedEpoch, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot: smallWorld(worldId, expectedEpoch, 3) });
const ignore: RestoreHandlers = { player: () => undefined, world: () => undefined, npc: () => undefined, item: () => undefined, quest: () => undefined };

/** The SDK's view of a deleted world (DESIGN §3 DeleteWorld), against a real daemon. */
describe('a deleted world, as the SDK reports it', () => {
  it('deleteWorld answers the deleted epoch, and a repeat answers the same', async () => {
    await save('sdk-del-1', 0n);
    await save('sdk-del-1', 1n);
    const first = await client.deleteWorld('sdk-del-1', 2n);
    expect(first.deletedEpoch).toBe(2n);
    expect(await client.deleteWorld('sdk-del-1', 2n)).toEqual(first);
    const stale = await client.deleteWorld('sdk-del-1', 1n).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(PersistdError);
    expect((stale as PersistdError).reason).toBe('WORLD_NOT_FOUND');
  });

  it('a save from the old epoch is a WorldDeletedError (an EpochConflictError), and the SDK never saves at epoch 0 on its own', async () => {
    await save('sdk-del-2', 0n);
    await client.deleteWorld('sdk-del-2', 1n);
    const err = await save('sdk-del-2', 1n).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorldDeletedError);
    expect(err).toBeInstanceOf(EpochConflictError);
    expect(isWorldDeleted(err)).toBe(true);
    expect((err as WorldDeletedError).deletedEpoch).toBe(1n);
    expect((err as WorldDeletedError).committedEpoch).toBe(0n);
    expect((err as WorldDeletedError).attempts).toBe(1);
    // Still deleted: nothing re-created it.
    expect(await client.getWorldStatus('sdk-del-2')).toMatchObject({ committedEpoch: 0n, deletedEpoch: 1n });
  });

  it('a restore of a deleted world is WORLD_NOT_FOUND marked deleted; of a world never saved, not', async () => {
    await save('sdk-del-3', 0n);
    await client.deleteWorld('sdk-del-3', 1n);
    const deleted = await client.restore('sdk-del-3', {}, ignore).catch((e: unknown) => e);
    expect((deleted as PersistdError).reason).toBe('WORLD_NOT_FOUND');
    expect(isWorldDeleted(deleted)).toBe(true);
    expect((deleted as PersistdError).deletedEpoch).toBe(1n);
    const never = await client.restore('sdk-never-saved', {}, ignore).catch((e: unknown) => e);
    expect((never as PersistdError).reason).toBe('WORLD_NOT_FOUND');
    expect(isWorldDeleted(never)).toBe(false);
    // A plain conflict is not a deleted world either.
    await save('sdk-del-4', 0n);
    const conflict = await save('sdk-del-4', 0n).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(EpochConflictError);
    expect(isWorldDeleted(conflict)).toBe(false);
  });
});
