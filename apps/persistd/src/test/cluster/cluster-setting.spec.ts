import { ConfigError, loadSettings } from '../../config/settings';

describe('PERSISTD_REDIS_CLUSTER', () => {
  it('unset or empty: single Redis', () => {
    expect(loadSettings([], {}).redisCluster).toBeUndefined();
    expect(loadSettings([], { PERSISTD_REDIS_CLUSTER: '' }).redisCluster).toBeUndefined();
  });

  it('a comma list of host:port seeds, from the variable or --redis-cluster', () => {
    expect(loadSettings([], { PERSISTD_REDIS_CLUSTER: '10.0.0.1:7000, redis-b.internal:7001,[::1]:7002' }).redisCluster).toEqual(['10.0.0.1:7000', 'redis-b.internal:7001', '[::1]:7002']);
    expect(loadSettings(['--redis-cluster', 'a:1'], { PERSISTD_REDIS_CLUSTER: 'b:2' }).redisCluster).toEqual(['a:1']);
  });

  it.each(['redis://a:7000', 'a', 'a:0', 'a:70000', 'a:7000,', 'a b:7000'])('refuses %j', (value) => {
    expect(() => loadSettings([], { PERSISTD_REDIS_CLUSTER: value })).toThrow(ConfigError);
  });
});
