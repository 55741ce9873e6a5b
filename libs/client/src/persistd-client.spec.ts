import { create, fromBinary } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import {
  GetWorldStatusRequestSchema,
  GetWorldStatusResponseSchema,
  OwnerSystem,
  SaveRequestSchema,
  SaveResponseSchema,
  StateSource,
  toStatusObject,
  ValidateRequestSchema,
  ValidateResponseSchema,
  type RichError,
} from '@persistd/contract';
import { smallWorld } from '@persistd/testkit';
import { DEFAULT_DEADLINES, PersistdClient } from './persistd-client';
import { PersistdError } from './persistd-error';
import { startTestServer, type TestServer } from './test/grpc-test-server';

/** How the test server answers a save, by world id. */
const refusal = (code: grpc.status, reason: string, more: Partial<RichError> = {}) =>
  toStatusObject({ code, message: `${reason} happened`, reason, metadata: {}, violations: [], ...more });
const SAVE_ANSWERS: Record<string, Partial<grpc.StatusObject> | 'ok' | 'hang'> = {
  ok: 'ok',
  hang: 'hang',
  dangling: refusal(grpc.status.INVALID_ARGUMENT, 'DANGLING_REFERENCE', {
    violations: [
      { field: 'items[i0001].location.inventory.player_id', description: 'DANGLING_REFERENCE: player p9 is not in the snapshot' },
      { field: 'quests[q0002].player_id', description: 'DANGLING_REFERENCE: player p9 is not in the snapshot' },
    ],
  }),
  flood: refusal(grpc.status.INVALID_ARGUMENT, 'DANGLING_REFERENCE', {
    violations: Array.from({ length: 5_000 }, (_, i) => ({ field: `items[i${i}].location.inventory.player_id`, description: 'DANGLING_REFERENCE: player p9 is not in the snapshot' })),
  }),
  limit: refusal(grpc.status.INVALID_ARGUMENT, 'LIMIT_EXCEEDED', { metadata: { limit: 'max_items', max: '100000' } }),
  conflict: refusal(grpc.status.ABORTED, 'EPOCH_CONFLICT', { metadata: { committed_epoch: '4' } }),
  'commit-unknown': refusal(grpc.status.UNAVAILABLE, 'COMMIT_OUTCOME_UNKNOWN'),
  'store-down': refusal(grpc.status.UNAVAILABLE, 'STORE_UNAVAILABLE'),
  'bare-unavailable': { code: grpc.status.UNAVAILABLE, details: 'connection reset' },
  'bare-invalid': { code: grpc.status.INVALID_ARGUMENT, details: 'something without details' },
};

let server: TestServer;
let client: PersistdClient;
let lastRestoreDeadline: grpc.Deadline | undefined;
let lastSave: { requestId: string; authorization: string[]; source: StateSource; trace: string[]; deadline: grpc.Deadline } | undefined;

beforeAll(async () => {
  server = await startTestServer({
    save: (call, callback) => {
      const req = fromBinary(SaveRequestSchema, call.request);
      lastSave = { requestId: req.requestId, authorization: call.metadata.get('authorization').map(String), source: req.source, trace: call.metadata.get('x-trace').map(String), deadline: call.getDeadline() };
      const answer = SAVE_ANSWERS[req.worldId];
      if (answer === 'hang') return;
      if (answer === 'ok') {
        callback(null, create(SaveResponseSchema, { worldId: req.worldId, committedEpoch: req.expectedEpoch + 1n, digest: 'd'.repeat(64), contentDigest: 'c'.repeat(64), counts: { players: 4, zones: 6, npcs: 5, items: 12, quests: 4 } }));
        return;
      }
      callback(answer);
    },
    validate: (call, callback) => {
      const req = fromBinary(ValidateRequestSchema, call.request);
      callback(null, create(ValidateResponseSchema, { accepted: false, violations: [{ code: 'FORBIDDEN_SOURCE', system: OwnerSystem.UNSPECIFIED, path: 'source', message: `source ${req.source} is not AUTHORITATIVE_RUNTIME` }] }));
    },
    restore: (call) => {
      lastRestoreDeadline = call.getDeadline();
      call.emit('error', refusal(grpc.status.NOT_FOUND, 'WORLD_NOT_FOUND'));
    },
    getWorldStatus: (call, callback) => {
      const { worldId } = fromBinary(GetWorldStatusRequestSchema, call.request);
      if (worldId === 'fresh') return callback(null, create(GetWorldStatusResponseSchema, { worldId }));
      callback(null, create(GetWorldStatusResponseSchema, { worldId, committedEpoch: 3n, retainedEpochs: [1n, 2n, 3n], digest: 'd'.repeat(64), contentDigest: 'c'.repeat(64) }));
    },
  });
  client = new PersistdClient(server.address);
});

afterAll(async () => {
  client.close();
  await server.stop();
});

const saveOf = (worldId: string, requestId = '') => ({ worldId, expectedEpoch: 3n, requestId, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot: smallWorld(worldId, 3n) });
const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a refusal'); }, (e: unknown) => e as PersistdError);

describe('PersistdClient.save', () => {
  it('returns the commit', async () => {
    const res = await client.save(saveOf('ok', 'req-1'));
    expect(res).toMatchObject({ worldId: 'ok', committedEpoch: 4n, replayed: false, counts: { items: 12 } });
    expect(lastSave?.source).toBe(StateSource.AUTHORITATIVE_RUNTIME);
  });

  it('keeps a given request id and gives a random UUID to a save without one', async () => {
    await client.save(saveOf('ok', 'my-request-7'));
    expect(lastSave?.requestId).toBe('my-request-7');
    await client.save(saveOf('ok'));
    const first = lastSave!.requestId;
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    await client.save(saveOf('ok'));
    expect(lastSave!.requestId).not.toBe(first);
  });

  it('parses a refusal into status, reason, metadata and the violations in order', async () => {
    const e = await failure(client.save(saveOf('dangling', 'req-2')));
    expect(e).toBeInstanceOf(PersistdError);
    expect(e.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(e.reason).toBe('DANGLING_REFERENCE');
    expect(e.violations).toEqual([
      { field: 'items[i0001].location.inventory.player_id', description: 'DANGLING_REFERENCE: player p9 is not in the snapshot' },
      { field: 'quests[q0002].player_id', description: 'DANGLING_REFERENCE: player p9 is not in the snapshot' },
    ]);
    expect({ total: e.violationsTotal, sent: e.violationsSent }).toEqual({ total: 2, sent: 2 });
    expect(e.outcomeUnknown).toBe(false);
    expect(e.requestId).toBe('req-2');
    expect(e.message).toBe('DANGLING_REFERENCE: DANGLING_REFERENCE happened');
  });

  it('exposes the total of a refusal whose violations were not all sent', async () => {
    const e = await failure(client.save(saveOf('flood')));
    expect(e.reason).toBe('DANGLING_REFERENCE');
    expect(e.violationsTotal).toBe(5_000);
    expect(e.violationsSent).toBe(e.violations.length);
    expect(e.violations.length).toBeGreaterThan(0);
    expect(e.violations.length).toBeLessThan(5_000);
    expect(e.violations[0].field).toBe('items[i0].location.inventory.player_id');
  });

  it.each<[string, grpc.status, string, Record<string, string>]>([
    ['limit', grpc.status.INVALID_ARGUMENT, 'LIMIT_EXCEEDED', { limit: 'max_items', max: '100000' }],
    ['conflict', grpc.status.ABORTED, 'EPOCH_CONFLICT', { committed_epoch: '4' }],
    ['store-down', grpc.status.UNAVAILABLE, 'STORE_UNAVAILABLE', {}],
  ])('parses %s as a known outcome with its metadata', async (worldId, code, reason, metadata) => {
    const e = await failure(client.save(saveOf(worldId)));
    expect(e).toMatchObject({ code, reason, metadata, violations: [], outcomeUnknown: false });
  });

  it('flags COMMIT_OUTCOME_UNKNOWN as an unknown outcome and keeps the generated request id for the retry', async () => {
    const e = await failure(client.save(saveOf('commit-unknown')));
    expect(e).toMatchObject({ code: grpc.status.UNAVAILABLE, reason: 'COMMIT_OUTCOME_UNKNOWN', outcomeUnknown: true });
    expect(e.requestId).toBe(lastSave!.requestId);
  });

  it('flags UNAVAILABLE without ErrorInfo as an unknown outcome', async () => {
    const e = await failure(client.save(saveOf('bare-unavailable')));
    expect(e).toMatchObject({ code: grpc.status.UNAVAILABLE, reason: undefined, outcomeUnknown: true, violations: [] });
  });

  it('does not flag other statuses without ErrorInfo', async () => {
    const e = await failure(client.save(saveOf('bare-invalid')));
    expect(e).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, reason: undefined, outcomeUnknown: false });
  });

  it('flags a passed deadline as an unknown outcome', async () => {
    const e = await failure(client.save(saveOf('hang', 'req-slow'), { deadlineMs: 100 }));
    expect(e).toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED, outcomeUnknown: true, requestId: 'req-slow' });
  });

  it('gives every call a deadline: the SDK default, the client default, the call own, or none when Infinity', async () => {
    const deadlineIn = () => (lastSave!.deadline === Infinity ? Infinity : +lastSave!.deadline - Date.now());
    await client.save(saveOf('ok'));
    expect(deadlineIn()).toBeGreaterThan(DEFAULT_DEADLINES.unaryMs - 10_000);
    expect(deadlineIn()).toBeLessThanOrEqual(DEFAULT_DEADLINES.unaryMs);
    const short = new PersistdClient(server.address, { defaultDeadlineMs: 7_000 });
    const none = new PersistdClient(server.address, { defaultDeadlineMs: Infinity });
    try {
      await short.save(saveOf('ok'));
      expect(deadlineIn()).toBeLessThanOrEqual(7_000);
      expect(deadlineIn()).toBeGreaterThan(0);
      await short.save(saveOf('ok'), { deadlineMs: 90_000 });
      expect(deadlineIn()).toBeGreaterThan(7_000);
      await none.save(saveOf('ok'));
      expect(deadlineIn()).toBe(Infinity);
      await client.save(saveOf('ok'), { deadlineMs: Infinity });
      expect(deadlineIn()).toBe(Infinity);
    } finally {
      short.close();
      none.close();
    }
  });

  it('gives a restore stream its own default deadline, overridable per call', async () => {
    const deadlineIn = () => +lastRestoreDeadline! - Date.now();
    const ignore = () => undefined;
    const handlers = { player: ignore, world: ignore, npc: ignore, item: ignore, quest: ignore };
    await expect(client.restore('w', {}, handlers)).rejects.toMatchObject({ reason: 'WORLD_NOT_FOUND' });
    expect(deadlineIn()).toBeGreaterThan(DEFAULT_DEADLINES.restoreMs - 10_000);
    expect(deadlineIn()).toBeLessThanOrEqual(DEFAULT_DEADLINES.restoreMs);
    await expect(client.restore('w', { deadlineMs: 4_000 }, handlers)).rejects.toMatchObject({ reason: 'WORLD_NOT_FOUND' });
    expect(deadlineIn()).toBeLessThanOrEqual(4_000);
  });

  it('flags an unreachable daemon as an unknown outcome', async () => {
    const gone = await startTestServer({});
    await gone.stop();
    const offline = new PersistdClient(gone.address);
    try {
      const e = await failure(offline.save(saveOf('ok'), { deadlineMs: 5000 }));
      expect(e).toMatchObject({ code: grpc.status.UNAVAILABLE, outcomeUnknown: true });
    } finally {
      offline.close();
    }
  });

  it('sends the bearer token and per-call metadata', async () => {
    const withToken = new PersistdClient(server.address, { token: 's3cret' });
    try {
      const metadata = new grpc.Metadata();
      metadata.set('x-trace', 'abc');
      await withToken.save(saveOf('ok'), { metadata });
      expect(lastSave).toMatchObject({ authorization: ['Bearer s3cret'], trace: ['abc'] });
    } finally {
      withToken.close();
    }
  });
});

describe('PersistdClient.validate and getWorldStatus', () => {
  it('returns validation violations as a response, not an error', async () => {
    const res = await client.validate({ worldId: 'w', expectedEpoch: 0n, source: StateSource.CLIENT, snapshot: smallWorld('w') });
    expect(res.accepted).toBe(false);
    expect(res.violations.map((v) => v.code)).toEqual(['FORBIDDEN_SOURCE']);
  });

  it('reports the committed and retained epochs', async () => {
    const res = await client.getWorldStatus('w');
    expect(res).toMatchObject({ worldId: 'w', committedEpoch: 3n, retainedEpochs: [1n, 2n, 3n] });
    expect((await client.getWorldStatus('fresh')).committedEpoch).toBe(0n);
  });

  it('refuses unimplemented calls with a PersistdError', async () => {
    const bare = await startTestServer({});
    const other = new PersistdClient(bare.address);
    try {
      await expect(other.getWorldStatus('w')).rejects.toMatchObject({ name: 'PersistdError', code: grpc.status.UNIMPLEMENTED, outcomeUnknown: false });
    } finally {
      other.close();
      await bare.stop();
    }
  });
});
