import * as http2 from 'node:http2';
import { create, toBinary } from '@bufbuild/protobuf';
import { status } from '@grpc/grpc-js';
import { PersistenceService, SaveRequestSchema, StateSource } from '@persistd/contract';
import { rawGrpcUnary, refusedWorld, smallWorld, type RefusedWorldKind } from '@persistd/testkit';
import { refusalOf, saveRequest, startTestDaemon, type TestDaemon } from './test/test-daemon';

/**
 * Refusals far larger than a status trailer may carry (DESIGN §3 Errors): every one is answered
 * with its status, reason and `violations_total`, in a trailer block under the 8 KiB that gRPC's
 * C core and Java clients accept, and the connection it came on keeps serving calls.
 */

const SAVE_PATH = `/${PersistenceService.typeName}/${PersistenceService.method.save.name}`;
const STATUS_PATH = `/${PersistenceService.typeName}/${PersistenceService.method.getWorldStatus.name}`;
/** Generous: the point is "answered instead of hanging", not speed (benchmarks measure that). */
const ANSWER_WITHIN_MS = 30_000;
/** Room for two calls, each given ANSWER_WITHIN_MS, on a loaded machine. */
const TEST_MS = 3 * ANSWER_WITHIN_MS;
const TRAILER_BLOCK_LIMIT = 8 * 1024;

const saveBytes = (worldId: string, kind: RefusedWorldKind, count: number) =>
  toBinary(SaveRequestSchema, create(SaveRequestSchema, { ...saveRequest(worldId, refusedWorld(kind, worldId, count).snapshot), source: StateSource.AUTHORITATIVE_RUNTIME }));

describe('refusals with many violations', () => {
  let t: TestDaemon;
  beforeAll(async () => {
    t = await startTestDaemon();
  });
  afterAll(() => t.stop());

  it.each<[RefusedWorldKind, number]>([
    ['dangling-items', 1_000],
    ['dangling-items', 20_000],
    ['dangling-items', 100_000],
    ['duplicate-ids', 10_000],
    ['slot-flood', 5_000],
    ['zone-cycle', 20_000],
  ])('%s × %i: the reason, the total and the first violations arrive, and the channel keeps serving', async (kind, count) => {
    const worldId = `big-${kind}-${count}`;
    const built = refusedWorld(kind, worldId, count);
    const err = await refusalOf(t.client.save(saveRequest(worldId, built.snapshot), { deadline: Date.now() + ANSWER_WITHIN_MS }));
    expect({ code: err.code, reason: err.reason, total: err.metadata.violations_total }).toEqual({ code: status.INVALID_ARGUMENT, reason: built.reason, total: String(built.violations) });
    expect(Number(err.metadata.violations_sent)).toBe(err.violations.length);
    expect(err.violations.length).toBeGreaterThan(0);
    expect(err.violations.length).toBeLessThan(count);
    for (const v of err.violations) expect(v.description.startsWith(`${built.reason}: `)).toBe(true);
    expect(Buffer.byteLength(err.message)).toBeLessThanOrEqual(512);
    expect(err.message).toContain(`(and ${count - 1} more)`);
    // the same channel answers the next call
    expect((await t.client.getWorldStatus({ worldId }, { deadline: Date.now() + ANSWER_WITHIN_MS })).committedEpoch).toBe(0n);
  }, TEST_MS);

  it('the first violations are the canonical first ones, the same Validate lists first', async () => {
    const worldId = 'big-order';
    const { snapshot } = refusedWorld('dangling-items', worldId, 2_000);
    const err = await refusalOf(t.client.save(saveRequest(worldId, snapshot)));
    const listed = await t.client.validate({ worldId, expectedEpoch: 0n, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot });
    expect(err.violations).toEqual(listed.violations.slice(0, err.violations.length).map((v) => ({ field: v.path, description: `${v.code}: ${v.message}` })));
  });

  it('a legal chain of 20,000 zones is accepted', async () => {
    const worldId = 'big-zone-chain';
    const res = await t.client.save(saveRequest(worldId, refusedWorld('zone-chain', worldId, 20_000).snapshot), { deadline: Date.now() + ANSWER_WITHIN_MS });
    expect(res.committedEpoch).toBe(1n);
    expect(res.counts?.zones).toBe(smallWorld(worldId).world!.zones.length + 20_000);
  });

  describe('on the wire', () => {
    let session: http2.ClientHttp2Session;
    beforeAll(() => {
      session = http2.connect(`http://${t.daemon.address}`);
    });
    afterAll(() => session.close());

    it.each([1_000, 20_000, 100_000])('%i violations: the trailer block measures under 8 KiB, and the same HTTP/2 connection answers the next call', async (count) => {
      const answer = await rawGrpcUnary({ session }, SAVE_PATH, saveBytes(`wire-${count}`, 'dangling-items', count), ANSWER_WITHIN_MS);
      expect(answer.status).toBe(status.INVALID_ARGUMENT);
      expect(answer.statusBlock['grpc-status-details-bin']).toBeDefined();
      expect(answer.statusBlockBytes).toBeLessThan(TRAILER_BLOCK_LIMIT);
      const next = await rawGrpcUnary({ session }, STATUS_PATH, new Uint8Array([0x0a, 0x01, 0x77]), ANSWER_WITHIN_MS);
      expect(next.status).toBe(status.OK);
    }, TEST_MS);

    it('a worst-case message (every byte percent-encoded) and huge paths still fit the block', async () => {
      const worldId = 'wire-worst';
      const { snapshot } = refusedWorld('dangling-items', worldId, 3_000);
      // non-ASCII ids far over every bound: grpc-js percent-encodes each byte of the message (3×)
      for (const item of snapshot.items!.items) if (item.location.case === 'inventory' && item.location.value.playerId === 'deleted-player') item.location.value.playerId = `gone-${'é'.repeat(2_000)}`;
      const bytes = toBinary(SaveRequestSchema, create(SaveRequestSchema, saveRequest(worldId, snapshot)));
      const answer = await rawGrpcUnary({ session }, SAVE_PATH, bytes, ANSWER_WITHIN_MS);
      expect(answer.status).toBe(status.INVALID_ARGUMENT);
      expect(answer.statusBlockBytes).toBeLessThan(TRAILER_BLOCK_LIMIT);
      expect(Buffer.byteLength(decodeURIComponent(answer.statusBlock['grpc-message']))).toBeLessThanOrEqual(512);
    });
  });
});
