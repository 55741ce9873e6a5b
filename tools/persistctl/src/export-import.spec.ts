import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toBinary } from '@bufbuild/protobuf';
import { PersistdClient } from '@persistd/client';
import { EpochMetaSchema, StateSource, type SaveResponse } from '@persistd/contract';
import { type DaemonProcess, FaultProxy, generateWorld, startDaemonProcess } from '@persistd/testkit';
import { CHUNK_ID_BYTES, FRAME, FRAME_HEAD_BYTES, PREAMBLE_BYTES } from './export-file/format';
import { readExport } from './export-file/read-export';
import { writeExport } from './export-file/write-export';
import { NO_PROGRESS } from './progress';
import { runCliCaptured } from './test/run-cli';

let daemon: DaemonProcess;
let client: PersistdClient;
let dir: string;

beforeAll(async () => {
  daemon = await startDaemonProcess();
  client = new PersistdClient(daemon.address);
  dir = mkdtempSync(join(tmpdir(), 'persistctl-export-'));
}, 120_000);

afterAll(async () => {
  client.close();
  await daemon?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const conn = () => ['--address', daemon.address];
const redis = () => ['--redis-url', daemon.redisUrl, '--key-prefix', daemon.prefix];
const world = (worldId: string, epoch: bigint, seed: number) => generateWorld({ worldId, players: 20, zones: 8, npcs: 25, items: 80, quests: 15, epoch, seed });

/** Saves `count` different epochs of a world through the SDK. */
async function seed(worldId: string, count: number): Promise<SaveResponse[]> {
  const out: SaveResponse[] = [];
  for (let i = 0; i < count; i++) {
    const expectedEpoch = BigInt(i);
    out.push(await client.save({ worldId, expectedEpoch, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot: world(worldId, expectedEpoch, 100 + i) }));
  }
  return out;
}

/** Offsets of every frame of an export file. */
function frames(bytes: Buffer): { kind: number; at: number; length: number }[] {
  const out = [];
  for (let at = PREAMBLE_BYTES; at < bytes.length; ) {
    const kind = bytes.readUInt8(at);
    const length = bytes.readUInt32BE(at + 1);
    out.push({ kind, at, length });
    at += FRAME_HEAD_BYTES + length;
  }
  return out;
}

describe('persistctl export and import', () => {
  let saves: SaveResponse[];
  let file: string;

  beforeAll(async () => {
    saves = await seed('src', 2);
    file = join(dir, 'src-1.pdx');
    const run = await runCliCaptured(['export', 'src', '--epoch', '1', '--out', file, ...redis()]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain(`exported src epoch 1 to ${file}`);
  });

  it('writes a file that carries the epoch exactly as stored, digests included', async () => {
    const contents = await readExport(file);
    expect(contents.meta).toMatchObject({ worldId: 'src', epoch: 1n, digest: saves[0].digest, contentDigest: saves[0].contentDigest });
    expect(contents.header).toMatchObject({ format: 'persistd-export', world_id: 'src', epoch: '1', content_digest: saves[0].contentDigest });
    expect(contents.chunks.size).toBeGreaterThanOrEqual(5);
  });

  it('imports into a new world as epoch 1 with the same content digest', async () => {
    const run = await runCliCaptured(['import', 'copy', file, ...conn()]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain('imported src epoch 1 into copy: committed epoch 1');
    const status = await client.getWorldStatus('copy');
    expect(status.committedEpoch).toBe(1n);
    expect(status.contentDigest).toBe(saves[0].contentDigest);
    expect(status.digest).not.toBe(saves[0].digest); // another world and request: another epoch identity
    const restored = await client.restore('copy', {}, { player: () => undefined, world: (s) => expect(s.worldId).toBe('copy'), npc: () => undefined, item: () => undefined, quest: () => undefined });
    expect(restored.counts).toEqual({ players: 20, zones: 8, npcs: 25, items: 80, quests: 15 });
  });

  it('imports into a world that has epochs as its next epoch (a backup brought back)', async () => {
    const run = await runCliCaptured(['import', 'src', file, ...conn()]);
    expect(run.code).toBe(0);
    const status = await client.getWorldStatus('src');
    expect(status.committedEpoch).toBe(3n);
    expect(status.contentDigest).toBe(saves[0].contentDigest);
    expect(status.contentDigest).not.toBe(saves[1].contentDigest);
  });

  it('exports the committed epoch when no --epoch is given', async () => {
    const latest = join(dir, 'src-latest.pdx');
    expect((await runCliCaptured(['export', 'src', '--out', latest, ...redis()])).code).toBe(0);
    const { meta } = await readExport(latest);
    expect(meta.epoch).toBe((await client.getWorldStatus('src')).committedEpoch);
  });

  it('checks with Validate and commits nothing on --dry-run', async () => {
    const run = await runCliCaptured(['import', 'dry', file, '--dry-run', ...conn()]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('would be accepted');
    expect((await client.getWorldStatus('dry')).committedEpoch).toBe(0n);
  });

  describe('a damaged file is refused before anything is sent', () => {
    let proxy: FaultProxy;
    const viaProxy = () => ['--address', `127.0.0.1:${proxy.port}`];

    beforeAll(async () => {
      const [host, port] = daemon.address.split(':');
      proxy = new FaultProxy({ host, port: Number(port) });
      await proxy.listen();
    });
    afterAll(() => proxy.close());

    /** Imports a damaged copy through the proxy; the proxy must never see a connection. */
    async function importDamaged(name: string, bytes: Buffer) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      const before = proxy.counts.connections;
      const run = await runCliCaptured(['import', 'target', path, ...viaProxy()]);
      expect(proxy.counts.connections).toBe(before);
      expect((await client.getWorldStatus('target')).committedEpoch).toBe(0n);
      return run;
    }

    it('passes an intact file through the same proxy (so the proxy would see an import)', async () => {
      const run = await runCliCaptured(['import', 'through-proxy', file, '--dry-run', ...viaProxy()]);
      expect(run.code).toBe(0);
      expect(proxy.counts.connections).toBeGreaterThan(0);
    });

    it('a chunk byte flipped: DIGEST_MISMATCH, exit 1', async () => {
      const bytes = readFileSync(file);
      const chunk = frames(bytes).find((f) => f.kind === FRAME.CHUNK && f.length > CHUNK_ID_BYTES + 10)!;
      bytes[chunk.at + FRAME_HEAD_BYTES + CHUNK_ID_BYTES + 5] ^= 0x01;
      const run = await importDamaged('flipped.pdx', bytes);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/DIGEST_MISMATCH: chunk [0-9a-f]{64} does not hash to its id/);
    });

    it('a meta changed (counts) but its digest kept: DIGEST_MISMATCH, exit 1', async () => {
      const contents = await readExport(file);
      contents.meta.counts!.items += 1;
      const path = join(dir, 'meta-changed.pdx');
      await writeExport(path, { ...contents, worldId: 'src', epoch: 1n, metaBytes: toBinary(EpochMetaSchema, contents.meta), keyPrefix: 'x' }, NO_PROGRESS, new Date());
      const run = await importDamaged('meta-changed-copy.pdx', readFileSync(path));
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/DIGEST_MISMATCH: .*meta of epoch 1 does not hash to its digest/);
    });

    it('a chunk swapped for another that hashes right: DIGEST_MISMATCH (not covered by the meta)', async () => {
      const bytes = readFileSync(file);
      const chunk = frames(bytes).find((f) => f.kind === FRAME.CHUNK && f.length > CHUNK_ID_BYTES + 10)!;
      const other = Buffer.from('a different chunk');
      const { createHash } = await import('node:crypto');
      const frame = Buffer.concat([Buffer.from([FRAME.CHUNK]), Buffer.alloc(4), createHash('sha256').update(other).digest(), other]);
      frame.writeUInt32BE(CHUNK_ID_BYTES + other.length, 1);
      const swapped = Buffer.concat([bytes.subarray(0, chunk.at), frame, bytes.subarray(chunk.at + FRAME_HEAD_BYTES + chunk.length)]);
      const run = await importDamaged('swapped.pdx', swapped);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/DIGEST_MISMATCH: chunk [0-9a-f]{64} is not listed by the meta/);
    });

    it('a truncated file: MISSING_COMPONENT, exit 1', async () => {
      const bytes = readFileSync(file);
      const run = await importDamaged('truncated.pdx', bytes.subarray(0, bytes.length - 9));
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('MISSING_COMPONENT: the export file is truncated');
    });

    it('a file that is not an export, or is not there: exit 2', async () => {
      const run = await importDamaged('not-an-export.pdx', Buffer.from('{"hello":"world"}\n'));
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('is not a persistd export file');
      const missing = await runCliCaptured(['import', 'target', join(dir, 'absent.pdx'), ...viaProxy()]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('cannot read');
    });
  });

  it('refuses to export what is not there (exit 1) and needs a Redis URL and --out (exit 2)', async () => {
    const notRetained = await runCliCaptured(['export', 'src', '--epoch', '9', '--out', join(dir, 'x.pdx'), ...redis()]);
    expect(notRetained.code).toBe(1);
    expect(notRetained.stderr).toContain('EPOCH_NOT_FOUND');
    const never = await runCliCaptured(['export', 'never-saved', '--out', join(dir, 'y.pdx'), ...redis()]);
    expect(never.code).toBe(1);
    expect(never.stderr).toContain('WORLD_NOT_FOUND');
    expect((await runCliCaptured(['export', 'src', '--out', join(dir, 'z.pdx'), '--redis-url', 'http://127.0.0.1:6379'])).code).toBe(2);
    expect((await runCliCaptured(['export', 'src', ...redis()])).code).toBe(2);
  });

  it('draws progress bars on stderr for a large world, only when stderr is a terminal', async () => {
    const big = generateWorld({ worldId: 'big', players: 200, zones: 20, npcs: 300, items: 30_000, quests: 100, seed: 5 });
    await client.save({ worldId: 'big', expectedEpoch: 0n, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot: big });
    const path = join(dir, 'big.pdx');
    const tty = { stderrIsTTY: true, columns: 100 };
    const exported = await runCliCaptured(['export', 'big', '--out', path, ...redis()], tty);
    expect(exported.code).toBe(0);
    expect(exported.stderr).toMatch(/\rexport big@1 \[#+\] 100% [\d.]+ MB\/[\d.]+ MB\n$/);
    const imported = await runCliCaptured(['import', 'big-copy', path, ...conn()], tty);
    expect(imported.code).toBe(0);
    expect(imported.stderr).toMatch(/\rimport .*big\.pdx \[#+\] 100% /);
    expect((await client.getWorldStatus('big-copy')).contentDigest).toBe((await client.getWorldStatus('big')).contentDigest);
    const quiet = await runCliCaptured(['export', 'big', '--out', path, ...redis()]);
    expect(quiet).toMatchObject({ code: 0, stderr: '' });
  });
});
