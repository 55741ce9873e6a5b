import { create, fromBinary } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { GetWorldStatusResponseSchema, RestoreResponseSchema, SaveRequestSchema, SaveResponseSchema, StateSource, toStatusObject, type RichError } from '@persistd/contract';
import { smallWorld } from '@persistd/testkit';
import { PersistdClient } from './persistd-client';
import { EpochConflictError, PersistdError } from './persistd-error';
import { backoffMs, resolveRetryPolicy } from './retry-policy';
import { startTestServer, type TestServer } from './test/grpc-test-server';

/**
 * A daemon stand-in that commits like persistd (one epoch per new request id, the original
 * answer again for a known one), and answers each save according to a script of outcomes.
 */
type Outcome = 'commit' | 'commit-then-unavailable' | 'commit-then-unknown' | 'unavailable' | 'deadline' | 'refuse' | 'store-down' | 'conflict';

const refusal = (code: grpc.status, reason: string, more: Partial<RichError> = {}) =>
  toStatusObject({ code, message: `${reason} happened`, reason, metadata: {}, violations: [], ...more });

let server: TestServer;
let script: Outcome[] = [];
let calls: { requestId: string; bytes: Buffer }[] = [];
let committed = new Map<string, bigint>();
let epoch = 0n;
let statusCalls = 0;
let restoreCalls = 0;

beforeAll(async () => {
  server = await startTestServer({
    save: (call, callback) => {
      const req = fromBinary(SaveRequestSchema, call.request);
      calls.push({ requestId: req.requestId, bytes: Buffer.from(call.request) });
      const outcome = script.shift() ?? 'commit';
      const commit = () => {
        const known = committed.get(req.requestId);
        if (known !== undefined) return create(SaveResponseSchema, { worldId: req.worldId, committedEpoch: known, replayed: true });
        epoch += 1n;
        committed.set(req.requestId, epoch);
        return create(SaveResponseSchema, { worldId: req.worldId, committedEpoch: epoch, replayed: false });
      };
      switch (outcome) {
        case 'commit':
          return callback(null, commit());
        case 'commit-then-unavailable':
          commit(); // committed, then the answer is lost: the client sees a bare UNAVAILABLE
          return callback({ code: grpc.status.UNAVAILABLE, details: 'connection reset by peer' });
        case 'commit-then-unknown':
          commit();
          return callback(refusal(grpc.status.UNAVAILABLE, 'COMMIT_OUTCOME_UNKNOWN'));
        case 'unavailable':
          return callback({ code: grpc.status.UNAVAILABLE, details: 'connection reset by peer' });
        case 'deadline':
          return; // never answers: the client's deadline passes
        case 'refuse':
          return callback(
            refusal(grpc.status.INVALID_ARGUMENT, 'DANGLING_REFERENCE', {
              violations: [{ field: 'quests[q1].player_id', description: 'DANGLING_REFERENCE: player p9 is not in the snapshot' }],
            }),
          );
        case 'store-down':
          return callback(refusal(grpc.status.UNAVAILABLE, 'STORE_UNAVAILABLE'));
        case 'conflict':
          return callback(refusal(grpc.status.ABORTED, 'EPOCH_CONFLICT', { metadata: { committed_epoch: '9', expected_epoch: '3' } }));
      }
    },
    getWorldStatus: (_call, callback) => {
      statusCalls++;
      if (statusCalls === 1) return callback({ code: grpc.status.UNAVAILABLE, details: 'not yet' });
      callback(null, create(GetWorldStatusResponseSchema, { worldId: 'w', committedEpoch: 5n }));
    },
    restore: (call) => {
      restoreCalls++;
      if (restoreCalls === 1) return call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'not yet' });
      // one message, then a failure mid-stream: must not be retried (it would hand the message out twice)
      call.write(create(RestoreResponseSchema, { epoch: 1n }));
      call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'cut mid-stream' });
    },
  });
});

afterAll(async () => {
  await server.stop();
});

beforeEach(() => {
  script = [];
  calls = [];
  committed = new Map();
  epoch = 0n;
  statusCalls = 0;
  restoreCalls = 0;
});

const fast = { initialBackoffMs: 1, maxBackoffMs: 5 };
const saveOf = (requestId = '') => ({ worldId: 'w', expectedEpoch: 0n, requestId, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot: smallWorld('w') });
async function withClient<T>(body: (c: PersistdClient) => Promise<T>, options: ConstructorParameters<typeof PersistdClient>[1] = { retry: fast }): Promise<T> {
  const client = new PersistdClient(server.address, options);
  try {
    return await body(client);
  } finally {
    client.close();
  }
}
const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as PersistdError);

describe('retries of unknown outcomes', () => {
  it('retries a bare UNAVAILABLE after a commit with the same request id, and ends replayed', async () => {
    script = ['commit-then-unavailable'];
    const res = await withClient((c) => c.save(saveOf()));
    expect(calls).toHaveLength(2);
    expect(calls[1].requestId).toBe(calls[0].requestId);
    expect(calls[0].requestId).not.toBe('');
    expect(res).toMatchObject({ committedEpoch: 1n, replayed: true });
    expect(epoch).toBe(1n); // committed once
  });

  it('sends the same bytes on every retry, whatever happens to the snapshot after save() was called', async () => {
    script = ['commit-then-unavailable'];
    const request = saveOf();
    const level = request.snapshot.players!.players[0].save!.level;
    const res = await withClient(async (c) => {
      const pending = c.save(request);
      request.snapshot.players!.players[0].save!.level = level + 50; // the game goes on meanwhile
      return pending;
    });
    expect(res.replayed).toBe(true);
    expect(calls).toHaveLength(2);
    expect(calls[1].bytes.equals(calls[0].bytes)).toBe(true);
    expect(fromBinary(SaveRequestSchema, calls[1].bytes).snapshot!.players!.players[0].save!.level).toBe(level);
  });

  it('retries COMMIT_OUTCOME_UNKNOWN with the caller’s request id, and ends replayed', async () => {
    script = ['commit-then-unknown'];
    const res = await withClient((c) => c.save(saveOf('tick-42')));
    expect(calls.map((x) => x.requestId)).toEqual(['tick-42', 'tick-42']);
    expect(res).toMatchObject({ committedEpoch: 1n, replayed: true });
  });

  it('retries a passed deadline with the same request id', async () => {
    script = ['deadline', 'commit'];
    const res = await withClient((c) => c.save(saveOf(), { deadlineMs: 200 }));
    expect(calls).toHaveLength(2);
    expect(calls[1].requestId).toBe(calls[0].requestId);
    expect(res).toMatchObject({ committedEpoch: 1n, replayed: false });
  });

  it('gives up after maxAttempts and throws the unknown outcome with its request id', async () => {
    script = ['unavailable', 'unavailable', 'unavailable', 'unavailable', 'commit'];
    const e = await failure(withClient((c) => c.save(saveOf('bounded-1')), { retry: { ...fast, maxAttempts: 3 } }));
    expect(calls).toHaveLength(3);
    expect(e).toBeInstanceOf(PersistdError);
    expect(e).toMatchObject({ code: grpc.status.UNAVAILABLE, outcomeUnknown: true, requestId: 'bounded-1', attempts: 3 });
    expect(epoch).toBe(0n);
  });

  it('uses the call’s policy over the client’s, and `retry: false` makes one attempt', async () => {
    script = ['unavailable', 'unavailable', 'commit'];
    await failure(withClient((c) => c.save(saveOf(), { retry: false })));
    expect(calls).toHaveLength(1);
    script = ['unavailable', 'unavailable', 'unavailable', 'commit'];
    calls = [];
    const res = await withClient((c) => c.save(saveOf(), { retry: { maxAttempts: 4 } }), { retry: { ...fast, maxAttempts: 2 } });
    expect(calls).toHaveLength(4);
    expect(res.committedEpoch).toBe(1n);
  });

  it('never retries a refusal that carries an ErrorInfo', async () => {
    script = ['refuse', 'commit'];
    const e = await failure(withClient((c) => c.save(saveOf())));
    expect(calls).toHaveLength(1);
    expect(e).toMatchObject({ reason: 'DANGLING_REFERENCE', outcomeUnknown: false, attempts: 1 });
    expect(e.parsedViolations).toEqual([{ path: 'quests[q1].player_id', code: 'DANGLING_REFERENCE', message: 'player p9 is not in the snapshot' }]);
  });

  it('never retries STORE_UNAVAILABLE: an UNAVAILABLE with an ErrorInfo is an answer', async () => {
    script = ['store-down', 'commit'];
    const e = await failure(withClient((c) => c.save(saveOf())));
    expect(calls).toHaveLength(1);
    expect(e).toMatchObject({ code: grpc.status.UNAVAILABLE, reason: 'STORE_UNAVAILABLE', outcomeUnknown: false });
  });

  it('surfaces EPOCH_CONFLICT as an EpochConflictError with both epochs, not retried', async () => {
    script = ['conflict', 'commit'];
    const e = await failure(withClient((c) => c.save(saveOf())));
    expect(calls).toHaveLength(1);
    expect(e).toBeInstanceOf(EpochConflictError);
    expect(e).toBeInstanceOf(PersistdError);
    expect(e).toMatchObject({ name: 'EpochConflictError', code: grpc.status.ABORTED, committedEpoch: 9n, expectedEpoch: 3n, outcomeUnknown: false });
  });

  it('retries reads too', async () => {
    const res = await withClient((c) => c.getWorldStatus('w'));
    expect(statusCalls).toBe(2);
    expect(res.committedEpoch).toBe(5n);
  });

  it('retries a restore that failed before its first message, never one that failed after', async () => {
    const client = new PersistdClient(server.address, { retry: fast });
    const received: bigint[] = [];
    try {
      const e = await failure(
        (async () => {
          for await (const m of client.restoreStream('w')) received.push(m.epoch);
        })(),
      );
      expect(restoreCalls).toBe(2);
      expect(received).toEqual([1n]);
      expect(e).toMatchObject({ code: grpc.status.UNAVAILABLE, outcomeUnknown: true, attempts: 2 });
    } finally {
      client.close();
    }
  });
});

describe('retry policy', () => {
  it('grows the pause exponentially up to the cap, with half of it random', () => {
    const p = resolveRetryPolicy({ initialBackoffMs: 100, multiplier: 2, maxBackoffMs: 300 });
    expect([1, 2, 3, 4].map((n) => backoffMs(p, n, () => 0))).toEqual([50, 100, 150, 150]);
    expect([1, 2, 3].map((n) => backoffMs(p, n, () => 1))).toEqual([100, 200, 300]);
  });

  it('refuses a policy without a bound', () => {
    expect(() => resolveRetryPolicy({ maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => resolveRetryPolicy({ maxAttempts: Infinity })).toThrow(/maxAttempts/);
    expect(() => new PersistdClient('127.0.0.1:1', { retry: { initialBackoffMs: -1 } })).toThrow(/initialBackoffMs/);
    expect(resolveRetryPolicy(undefined, false).maxAttempts).toBe(1);
  });
});
