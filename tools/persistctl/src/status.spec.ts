import { PersistdClient } from '@persistd/client';
import { StateSource, type SaveResponse } from '@persistd/contract';
import { type DaemonProcess, freePort, smallWorld, startDaemonProcess } from '@persistd/testkit';
import { runCliCaptured } from './test/run-cli';

let daemon: DaemonProcess;
let client: PersistdClient;
const saves: SaveResponse[] = [];

beforeAll(async () => {
  daemon = await startDaemonProcess();
  client = new PersistdClient(daemon.address);
  for (let i = 0; i < 4; i++) {
    saves.push(await client.save({ worldId: 'st', expectedEpoch: BigInt(i), source: StateSource.AUTHORITATIVE_RUNTIME, snapshot: smallWorld('st', BigInt(i), 1 + i) }));
  }
}, 120_000);

afterAll(async () => {
  client.close();
  await daemon?.stop();
});

const conn = () => ['--address', daemon.address];

describe('persistctl status and epochs', () => {
  it('status prints the committed epoch, the retained epochs, both digests and the stored form', async () => {
    const run = await runCliCaptured(['status', 'st', ...conn()]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout.split('\n').map((l) => l.replace(/\s+/g, ' '))).toEqual([
      'world st',
      'committed epoch 4',
      'retained 2, 3, 4',
      `digest ${saves[3].digest}`,
      `content digest ${saves[3].contentDigest}`,
      'stored form 2',
      '',
    ]);
  });

  it('status --json is one document with epochs as strings', async () => {
    const run = await runCliCaptured(['status', 'st', '--json', ...conn()]);
    expect(JSON.parse(run.stdout)).toEqual({ world_id: 'st', committed_epoch: '4', retained_epochs: ['2', '3', '4'], digest: saves[3].digest, content_digest: saves[3].contentDigest, deleted_epoch: '0', stored_form: 2 });
  });

  it('status of a world never saved answers epoch 0 (exit 0)', async () => {
    const run = await runCliCaptured(['status', 'fresh', ...conn()]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/committed\s+0 \(never saved\)/);
  });

  it('epochs lists the retained epochs, ascending, the committed one marked', async () => {
    const run = await runCliCaptured(['epochs', 'st', ...conn()]);
    expect(run).toMatchObject({ code: 0, stdout: '2\n3\n4  (committed)\n' });
    const json = await runCliCaptured(['epochs', 'st', '--json', ...conn()]);
    expect(JSON.parse(json.stdout)).toEqual({ world_id: 'st', committed_epoch: '4', retained_epochs: ['2', '3', '4'] });
  });

  it('takes the address from PERSISTD_ADDRESS', async () => {
    const run = await runCliCaptured(['epochs', 'st'], { env: { PERSISTD_ADDRESS: daemon.address } });
    expect(run.stdout).toContain('4  (committed)');
  });

  it('exits 2 when the daemon cannot be reached, after the SDK’s bounded retries', async () => {
    const run = await runCliCaptured(['status', 'st', '--address', `127.0.0.1:${await freePort()}`, '--timeout', '2']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/UNAVAILABLE/);
    expect(run.stderr).toContain('the outcome is unknown after 4 attempt(s)');
  });

  it('exits 2 on a bad world id or a bad flag, before anything is sent', async () => {
    const bad = await runCliCaptured(['status', 'no spaces{}', ...conn()]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('<world> must match');
    const flag = await runCliCaptured(['status', 'st', '--adress', daemon.address]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("Unknown option '--adress'");
  });

  it('exits 2 when --cert comes without --key or a TLS file cannot be read', async () => {
    expect((await runCliCaptured(['status', 'st', '--cert', '/nonexistent.pem', ...conn()])).stderr).toContain('--cert and --key go together');
    const ca = await runCliCaptured(['status', 'st', '--ca', '/nonexistent/ca.pem', ...conn()]);
    expect(ca.code).toBe(2);
    expect(ca.stderr).toContain('cannot read CA certificate /nonexistent/ca.pem');
  });
});
