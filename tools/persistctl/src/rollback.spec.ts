import { PersistdClient } from '@persistd/client';
import { StateSource, type SaveResponse } from '@persistd/contract';
import { type DaemonProcess, generateWorld, startDaemonProcess } from '@persistd/testkit';
import { runCliCaptured } from './testing/run-cli';

let daemon: DaemonProcess;
let client: PersistdClient;
const saves: SaveResponse[] = [];

beforeAll(async () => {
  daemon = await startDaemonProcess();
  client = new PersistdClient(daemon.address);
  for (let i = 0; i < 3; i++) {
    const expectedEpoch = BigInt(i);
    const snapshot = generateWorld({ worldId: 'rb', players: 10 + i, zones: 6, npcs: 12, items: 40 + i, quests: 8, epoch: expectedEpoch, seed: 7 + i });
    saves.push(await client.save({ worldId: 'rb', expectedEpoch, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot }));
  }
}, 120_000);

afterAll(async () => {
  client.close();
  await daemon?.stop();
});

const conn = () => ['--address', daemon.address];

describe('persistctl rollback', () => {
  it('makes a new epoch whose content digest is the old epoch’s', async () => {
    const run = await runCliCaptured(['rollback', 'rb', '--to', '1', ...conn()]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe(`rolled rb back to the content of epoch 1: committed epoch 4, content digest ${saves[0].contentDigest}\n`);
    const status = await client.getWorldStatus('rb');
    expect(status.committedEpoch).toBe(4n);
    expect(status.retainedEpochs).toEqual([2n, 3n, 4n]);
    expect(status.contentDigest).toBe(saves[0].contentDigest);
    expect(status.contentDigest).not.toBe(saves[2].contentDigest);
    const restored = await client.restore('rb', {}, { player: () => undefined, world: () => undefined, npc: () => undefined, item: () => undefined, quest: () => undefined });
    expect(restored.counts).toEqual({ players: 10, zones: 6, npcs: 12, items: 40, quests: 8 });
  });

  it('refuses an epoch that is not retained (exit 1) and commits nothing', async () => {
    const run = await runCliCaptured(['rollback', 'rb', '--to', '1', ...conn()]); // epoch 1 was dropped by retention (3)
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('EPOCH_NOT_FOUND');
    expect((await client.getWorldStatus('rb')).committedEpoch).toBe(4n);
  });

  it('refuses a world that was never saved (exit 1)', async () => {
    const run = await runCliCaptured(['rollback', 'nobody', '--to', '1', ...conn()]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('WORLD_NOT_FOUND');
  });

  it('needs --to as an epoch number (exit 2)', async () => {
    expect((await runCliCaptured(['rollback', 'rb', ...conn()])).code).toBe(2);
    const bad = await runCliCaptured(['rollback', 'rb', '--to', 'yesterday', ...conn()]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--to must be an epoch number');
  });
});
