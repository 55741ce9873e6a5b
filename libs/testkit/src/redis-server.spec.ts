import { existsSync } from 'node:fs';
import { Socket } from 'node:net';
import Redis from 'ioredis';
import { startPrivateRedis } from './redis-server';

describe('startPrivateRedis', () => {
  it('runs a redis-server of its own with the given config, and stop removes it and its directory', async () => {
    const s = await startPrivateRedis({ args: ['--maxmemory-policy', 'allkeys-lru'] });
    const c = new Redis(s.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      expect(await c.call('CONFIG', 'GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'allkeys-lru']);
      expect(await c.call('CONFIG', 'GET', 'save')).toEqual(['save', '']);
      expect(existsSync(s.dir)).toBe(true);
    } finally {
      c.disconnect();
      await s.stop();
    }
    expect(existsSync(s.dir)).toBe(false);
    expect(s.process.exitCode !== null || s.process.signalCode !== null).toBe(true);
  });

  it('kill is a crash: the process is gone and the port refuses', async () => {
    const s = await startPrivateRedis();
    await s.kill();
    expect(s.process.signalCode).toBe('SIGKILL');
    const refused = await new Promise<string>((resolve) => {
      const sock = new Socket();
      sock.once('connect', () => (sock.destroy(), resolve('connected')));
      sock.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      sock.connect(s.port, '127.0.0.1');
    });
    expect(refused).toBe('ECONNREFUSED');
    await s.stop();
  });

  it('restart after kill: the same port and directory, and what the AOF holds is back', async () => {
    const s = await startPrivateRedis({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
    try {
      const before = new Redis(s.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
      await before.set('kept', 'yes');
      before.disconnect();
      const first = s.process;
      await expect(s.restart()).rejects.toThrow(/still running/);
      await s.kill();
      await s.restart();
      expect(s.process).not.toBe(first);
      const after = new Redis(s.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
      try {
        // Until the AOF is loaded, the server answers LOADING; the key is there once it is.
        let value: string | null = null;
        for (let i = 0; i < 100 && value === null; i++) value = await after.get('kept').catch(() => null);
        expect(value).toBe('yes');
      } finally {
        after.disconnect();
      }
    } finally {
      await s.stop();
    }
  });
});
