import { daemonAnswers } from './daemon-answers';
import { DaemonChildProcess, startDaemon } from './daemon-launcher';
import { deleteTestPrefix, TEST_REDIS_URL, uniquePrefix } from './redis';
import { freePort } from './redis-server';

/** The launcher every harness uses: the daemon from its sources, as the specs of other projects run it. */
describe('DaemonChildProcess', () => {
  const prefix = uniquePrefix('launch');

  afterAll(() => deleteTestPrefix(prefix));

  it('on a fixed port: serves there, comes back there after a kill, and counts only exits nobody asked for as crashes', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const daemon = await startDaemon({ env: { PERSISTD_LISTEN: address, PERSISTD_REDIS_URL: TEST_REDIS_URL, PERSISTD_KEY_PREFIX: prefix } });
    try {
      expect(daemon.address).toBe(address);
      expect(await daemon.listening()).toBe(address);

      await daemon.kill();
      expect(await daemon.exited).toEqual({ code: null, signal: 'SIGKILL' });
      expect(await daemonAnswers(address)).toBe(false);
      await daemon.restart();
      expect(await daemonAnswers(address)).toBe(true);
      expect(daemon.kills).toBe(1);
      expect(daemon.crashes).toEqual([]);

      process.kill(daemon.pid, 'SIGKILL');
      await daemon.exited;
      expect(daemon.crashes.map(({ code, signal }) => ({ code, signal }))).toEqual([{ code: null, signal: 'SIGKILL' }]);
      expect(daemon.crashes[0]!.logTail).toContain('persistd listening');
    } finally {
      await daemon.stop();
    }
  });

  it('on port 0: the address is the one it logs, and SIGTERM ends it cleanly', async () => {
    const daemon = DaemonChildProcess.launch({ env: { PERSISTD_LISTEN: '127.0.0.1:0', PERSISTD_REDIS_URL: TEST_REDIS_URL, PERSISTD_KEY_PREFIX: prefix } });
    try {
      expect(() => daemon.address).toThrow(/known once it logs that it listens/);
      const address = await daemon.listening();
      expect(address).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
      expect(daemon.address).toBe(address);
      expect(await daemonAnswers(address)).toBe(true);
    } finally {
      expect(await daemon.stop()).toEqual({ code: 0, signal: null, escalated: false });
    }
    expect(daemon.crashes).toEqual([]);
  });
});
