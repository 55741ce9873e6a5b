import { mapRedisFailure } from './redis-failures';
import { StoreError, isStoreError } from './store-error';

const coded = (message: string, code: string) => Object.assign(new Error(message), { code });
class ReplyError extends Error {
  override name = 'ReplyError';
}
class MaxRetriesPerRequestError extends Error {
  override name = 'MaxRetriesPerRequestError';
}

describe('mapRedisFailure', () => {
  it.each([
    ['connection refused', coded('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'), 'connection-refused'],
    ['offline queue refusal', new Error("Stream isn't writeable and enableOfflineQueue options is false"), 'offline'],
    ['closed connection', new Error('Connection is closed.'), 'connection-closed'],
    ['connect timeout', coded('connect ETIMEDOUT', 'ETIMEDOUT'), 'connect-timeout'],
    ['dns', coded('getaddrinfo ENOTFOUND redis', 'ENOTFOUND'), 'dns'],
    ['max retries', new MaxRetriesPerRequestError('Reached the max retries per request limit'), 'max-retries'],
    ['LOADING reply', new ReplyError('LOADING Redis is loading the dataset in memory'), 'redis-error-reply'],
    ['reset', coded('read ECONNRESET', 'ECONNRESET'), 'connection-reset'],
    ['command timeout', new Error('Command timed out'), 'timeout'],
  ])('before EXEC, %s is STORE_UNAVAILABLE', (_name, err, failure) => {
    const mapped = mapRedisFailure(err, 'before-exec');
    expect(mapped?.code).toBe('STORE_UNAVAILABLE');
    expect(mapped?.metadata?.failure).toBe(failure);
    expect(mapped?.cause).toBe(err);
  });

  it.each([
    ['closed connection', new Error('Connection is closed.')],
    ['reset', coded('read ECONNRESET', 'ECONNRESET')],
    ['command timeout', new Error('Command timed out')],
    ['an unexpected error', new TypeError('boom')],
  ])('after EXEC was written, %s is COMMIT_OUTCOME_UNKNOWN', (_name, err) => {
    expect(mapRedisFailure(err, 'after-exec')?.code).toBe('COMMIT_OUTCOME_UNKNOWN');
  });

  it.each([
    ['an EXEC refused by Redis', new ReplyError('EXECABORT Transaction discarded because of previous errors.')],
    ['a command refused locally', new Error("Stream isn't writeable and enableOfflineQueue options is false")],
  ])('after EXEC, %s still applied nothing: STORE_UNAVAILABLE', (_name, err) => {
    const mapped = mapRedisFailure(err, 'after-exec');
    expect(mapped?.code).toBe('STORE_UNAVAILABLE');
  });

  it.each([
    ['WAIT refused on a demoted master', new ReplyError('ERR WAIT cannot be used with replica instances.'), 'redis-error-reply', 'ERR'],
    ['a write refused by a replica', new ReplyError("READONLY You can't write against a read only replica."), 'redis-error-reply', 'READONLY'],
    ['an ACL refusal', new ReplyError("NOPERM User persistd has no permissions to run the 'wait' command"), 'redis-error-reply', 'NOPERM'],
    ['a command refused locally', new Error("Stream isn't writeable and enableOfflineQueue options is false"), 'offline', undefined],
    ['a closed connection', new Error('Connection is closed.'), 'connection-closed', undefined],
    ['a command timeout', new Error('Command timed out'), 'timeout', undefined],
    ['an unexpected error', new TypeError('boom'), 'unexpected', undefined],
  ])('once the commit is known applied, %s is COMMIT_OUTCOME_UNKNOWN, never "nothing applied"', (_name, err, failure, redisError) => {
    const mapped = mapRedisFailure(err, 'applied');
    expect(mapped?.code).toBe('COMMIT_OUTCOME_UNKNOWN');
    expect(mapped?.metadata).toEqual(redisError === undefined ? { failure } : { failure, redis_error: redisError });
    expect(mapped?.message).not.toMatch(/nothing was applied/);
    expect(mapped?.cause).toBe(err);
  });

  it('names the Redis error of a refused command', () => {
    expect(mapRedisFailure(new ReplyError('NOPERM this user has no permissions'), 'before-exec')?.metadata).toEqual({
      failure: 'redis-error-reply',
      redis_error: 'NOPERM',
    });
  });

  it('leaves a StoreError as it is and lets a bug through before EXEC', () => {
    const own = new StoreError('EPOCH_NOT_FOUND', 'x');
    expect(mapRedisFailure(own, 'after-exec')).toBe(own);
    expect(mapRedisFailure(new TypeError('bug'), 'before-exec')).toBeUndefined();
  });

  it('isStoreError tells store errors from others', () => {
    expect(isStoreError(new StoreError('STORE_UNAVAILABLE', 'x'))).toBe(true);
    expect(isStoreError(new Error('x'))).toBe(false);
    expect(isStoreError({ name: 'StoreError', code: 'STORE_UNAVAILABLE' })).toBe(false);
  });
});
