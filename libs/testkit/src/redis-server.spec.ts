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
});
