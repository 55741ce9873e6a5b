import { availableParallelism } from 'node:os';
import { assertListenAllowed, isLoopback, parseListen } from './listen-address';
import { ConfigError, flagOf, loadSettings, SETTINGS } from './settings';

describe('settings', () => {
  it('takes the documented defaults', () => {
    const s = loadSettings([], {});
    expect(s).toMatchObject({ listen: '127.0.0.1:50051', redisUrl: 'redis://127.0.0.1:6379', keyPrefix: 'caelmor', retention: 3, maxMessageBytes: 67108864, restoreVerify: 'digest', requestTtl: 86400, stageTtl: 600 });
  });

  it('takes the documented defaults of authority, limits, durability and shutdown', () => {
    expect(loadSettings([], {})).toMatchObject({
      tlsCert: undefined,
      tlsKey: undefined,
      tlsClientCa: undefined,
      allowedPrincipals: undefined,
      tokensFile: undefined,
      maxInflightBytes: 268435456,
      maxRecordsPerSection: 250000,
      maxStringBytes: 4096,
      maxMapEntries: 1024,
      redisTls: false,
      durability: 'warn',
      replicaAckTimeout: 2000,
      shutdownGrace: 10,
    });
  });

  it('reads PERSISTD_REDIS_TLS as true/false only, and PERSISTD_DURABILITY as warn/strict only', () => {
    expect(loadSettings([], { PERSISTD_REDIS_TLS: 'true' }).redisTls).toBe(true);
    expect(loadSettings(['--redis-tls', 'false'], { PERSISTD_REDIS_TLS: 'true' }).redisTls).toBe(false);
    expect(() => loadSettings([], { PERSISTD_REDIS_TLS: 'yes' })).toThrow(/PERSISTD_REDIS_TLS must be true or false/);
    expect(loadSettings([], { PERSISTD_DURABILITY: 'strict' }).durability).toBe('strict');
    expect(() => loadSettings([], { PERSISTD_DURABILITY: 'paranoid' })).toThrow(/warn, strict/);
    expect(() => loadSettings([], { PERSISTD_REPLICA_ACK_TIMEOUT: '10000' })).toThrow(/from 1 to 9000/);
  });

  it('reads PERSISTD_SAVE_WORKERS as auto (the available parallelism) or a count from 0 to 64', () => {
    expect(loadSettings([], {}).saveWorkers).toBe(availableParallelism());
    expect(loadSettings([], { PERSISTD_SAVE_WORKERS: '0' }).saveWorkers).toBe(0);
    expect(loadSettings(['--save-workers', '3'], {}).saveWorkers).toBe(3);
    expect(() => loadSettings([], { PERSISTD_SAVE_WORKERS: '65' })).toThrow(/PERSISTD_SAVE_WORKERS must be an integer from 0 to 64/);
    expect(() => loadSettings([], { PERSISTD_SAVE_WORKERS: 'many' })).toThrow(/PERSISTD_SAVE_WORKERS/);
  });

  it('lets a flag win over its variable, in both flag forms', () => {
    expect(loadSettings(['--retention', '5'], { PERSISTD_RETENTION: '4' }).retention).toBe(5);
    expect(loadSettings(['--key-prefix=abc'], { PERSISTD_KEY_PREFIX: 'xyz' }).keyPrefix).toBe('abc');
    expect(loadSettings([], { PERSISTD_KEY_PREFIX: 'xyz' }).keyPrefix).toBe('xyz');
  });

  it('derives every flag from its variable', () => {
    expect(flagOf('PERSISTD_MAX_MESSAGE_BYTES')).toBe('--max-message-bytes');
    for (const d of Object.values(SETTINGS)) expect(d.env).toMatch(/^PERSISTD_[A-Z_]+$/);
  });

  it('refuses bad values and unknown flags, naming them', () => {
    expect(() => loadSettings([], { PERSISTD_RETENTION: '0' })).toThrow(/PERSISTD_RETENTION must be an integer from 1/);
    expect(() => loadSettings([], { PERSISTD_KEY_PREFIX: 'bad prefix' })).toThrow(ConfigError);
    expect(() => loadSettings([], { PERSISTD_RESTORE_VERIFY: 'some' })).toThrow(/digest, full/);
    expect(() => loadSettings(['--retension', '3'], {})).toThrow(/unknown flag --retension/);
    expect(() => loadSettings(['--retention'], {})).toThrow(/needs a value/);
  });
});

describe('listen address', () => {
  it('parses host:port and [v6]:port', () => {
    expect(parseListen('127.0.0.1:50051')).toEqual({ host: '127.0.0.1', port: 50051 });
    expect(parseListen('[::1]:7')).toEqual({ host: '::1', port: 7 });
    expect(() => parseListen('nohost')).toThrow(ConfigError);
  });

  it('knows loopback from everything else', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) expect(isLoopback(h)).toBe(true);
    for (const h of ['0.0.0.0', '10.0.0.1', '::', 'example.org']) expect(isLoopback(h)).toBe(false);
  });

  it('refuses a non-loopback address without credentials, saying why', () => {
    expect(() => assertListenAllowed('0.0.0.0:50051', false)).toThrow(/refusing to listen on 0.0.0.0:50051: without TLS .* or tokens/);
    expect(() => assertListenAllowed('[::]:50051', false)).toThrow(/refusing to listen/);
    expect(() => assertListenAllowed('0.0.0.0:50051', true)).not.toThrow();
    expect(() => assertListenAllowed('127.0.0.1:0', false)).not.toThrow();
  });
});
