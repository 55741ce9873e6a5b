import { PersistdClient } from '@persistd/client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clone } from '@bufbuild/protobuf';
import { StateSource, WorldSnapshotSchema, type SaveResponse } from '@persistd/contract';
import { type DaemonProcess, generateWorld, startDaemonProcess } from '@persistd/testkit';
import { contentDigestsOf } from './snapshot/content-digests';
import { runCliCaptured } from './test/run-cli';

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

// Last in the file: the form-1 daemon's stop deletes the shared prefix's keys.
describe('persistctl rollback across stored forms', () => {
  it('brings back, exports, verifies and imports a form-1 epoch through a daemon that writes form 2: the same records, the form-2 digest', async () => {
    const old = await startDaemonProcess({ PERSISTD_STORED_FORM: '1', PERSISTD_KEY_PREFIX: daemon.prefix });
    const oldClient = new PersistdClient(old.address);
    try {
      const first = generateWorld({ worldId: 'rb-forms', players: 8, zones: 5, npcs: 10, items: 300, quests: 6, epoch: 0n, seed: 30 });
      const digests = contentDigestsOf(first);
      const s1 = await oldClient.save({ worldId: 'rb-forms', expectedEpoch: 0n, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot: clone(WorldSnapshotSchema, first) });
      expect(s1.contentDigest).toBe(digests[0]);
      const second = generateWorld({ worldId: 'rb-forms', players: 8, zones: 5, npcs: 10, items: 300, quests: 6, epoch: 1n, seed: 31 });
      await client.save({ worldId: 'rb-forms', expectedEpoch: 1n, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot: second });
      const run = await runCliCaptured(['rollback', 'rb-forms', '--to', '1', ...conn()]);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      const status = await client.getWorldStatus('rb-forms');
      expect(status).toMatchObject({ committedEpoch: 3n, storedForm: 2, contentDigest: digests[1] });
      expect(digests[1]).not.toBe(digests[0]);
      // Export the form-1 epoch 1 and import it through the form-2 daemon: same records, form-2 digest.
      const dir = mkdtempSync(join(tmpdir(), 'persistctl-forms-'));
      try {
        const file = join(dir, 'forms.pexp');
        const exported = await runCliCaptured(['export', 'rb-forms', '--epoch', '1', '--out', file, '--redis-url', daemon.redisUrl, '--key-prefix', daemon.prefix]);
        expect(exported.code).toBe(0);
        expect(await runCliCaptured(['verify', 'rb-forms', '--redis-url', daemon.redisUrl, '--key-prefix', daemon.prefix])).toMatchObject({ code: 0 });
        const imported = await runCliCaptured(['import', 'rb-forms-copy', file, ...conn()]);
        expect(imported).toMatchObject({ code: 0, stderr: '' });
        expect(await client.getWorldStatus('rb-forms-copy')).toMatchObject({ committedEpoch: 1n, storedForm: 2, contentDigest: digests[1] });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      // The status of a form-1 epoch says so, through either daemon.
      await oldClient.save({ worldId: 'rb-forms', expectedEpoch: 3n, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot: generateWorld({ worldId: 'rb-forms', players: 8, zones: 5, npcs: 10, items: 300, quests: 6, epoch: 3n, seed: 30 }) });
      expect((await client.getWorldStatus('rb-forms')).storedForm).toBe(1);
      expect((await runCliCaptured(['status', 'rb-forms', ...conn()])).stdout).toMatch(/stored form\s+1\n/);
    } finally {
      oldClient.close();
      await old.stop();
    }
  });
});
