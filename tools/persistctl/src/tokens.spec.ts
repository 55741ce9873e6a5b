import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemonProcess, type DaemonProcess } from '@persistd/testkit';
import { runCliCaptured } from './test/run-cli';

const TOKEN = 'c0ffee'.repeat(8);
let daemon: DaemonProcess;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'persistctl-tokens-'));
  writeFileSync(join(dir, 'tokens'), `operator:${TOKEN}\n`, { mode: 0o600 });
  daemon = await startDaemonProcess({ PERSISTD_TOKENS_FILE: join(dir, 'tokens') });
}, 120_000);

afterAll(async () => {
  await daemon?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('persistctl against a daemon that requires bearer tokens', () => {
  it('exits 2 (credentials) without a token or with a wrong one', async () => {
    const none = await runCliCaptured(['status', 'w', '--address', daemon.address]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('UNAUTHENTICATED');
    const wrong = await runCliCaptured(['status', 'w', '--address', daemon.address, '--token', 'not-the-token']);
    expect(wrong.code).toBe(2);
  });

  it('sends --token, or PERSISTD_TOKEN, as the bearer token', async () => {
    expect((await runCliCaptured(['status', 'w', '--address', daemon.address, '--token', TOKEN])).code).toBe(0);
    expect((await runCliCaptured(['status', 'w', '--address', daemon.address], { env: { PERSISTD_TOKEN: TOKEN } })).code).toBe(0);
  });
});
