import { create, toBinary } from '@bufbuild/protobuf';
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { fromServiceError, GetWorldStatusRequestSchema, PersistenceService, SaveRequestSchema, STATUS_DETAILS_KEY } from '@persistd/contract';
import { refusedWorld } from '@persistd/testkit';
import { callsFromCCore } from './test/c-core-client';
import { saveRequest, startTestDaemon, type TestDaemon } from './test/test-daemon';

/**
 * A client on gRPC's C core (Python here; C++/Unreal, Ruby and PHP share it) refuses a trailer
 * block over 8 KiB as RESOURCE_EXHAUSTED and loses the reason. Every refusal must reach it whole:
 * status, ErrorInfo reason and counts, the first violations — and its channel keeps serving.
 */

const path = (m: { name: string }) => `/${PersistenceService.typeName}/${m.name}`;

describe('a C-core (python3-grpcio) client', () => {
  let t: TestDaemon;
  beforeAll(async () => {
    t = await startTestDaemon();
  });
  afterAll(() => t.stop());

  it.each([60, 5_000])('receives INVALID_ARGUMENT with the reason and the total of %i dangling references, then its next call is answered', async (count) => {
    const worldId = `ccore-${count}`;
    const save = toBinary(SaveRequestSchema, create(SaveRequestSchema, saveRequest(worldId, refusedWorld('dangling-items', worldId, count).snapshot)));
    const worldStatus = toBinary(GetWorldStatusRequestSchema, create(GetWorldStatusRequestSchema, { worldId }));
    const [refused, next] = await callsFromCCore(
      t.daemon.address,
      [
        { path: path(PersistenceService.method.save), request: save },
        { path: path(PersistenceService.method.getWorldStatus), request: worldStatus },
      ],
      90_000,
    );
    expect(refused.code).toBe('INVALID_ARGUMENT');
    expect(refused.details).toContain(`(and ${count - 1} more)`);
    const details = refused.trailing[STATUS_DETAILS_KEY];
    expect(details).toBeInstanceOf(Buffer);
    // decoded by the same code the SDK uses, from the bytes the C core handed to python
    const trailer = new Metadata();
    trailer.set(STATUS_DETAILS_KEY, details as Buffer);
    const rich = fromServiceError({ code: GrpcStatus.INVALID_ARGUMENT, details: refused.details ?? '', metadata: trailer });
    expect(rich?.reason).toBe('DANGLING_REFERENCE');
    expect(rich?.metadata.violations_total).toBe(String(count));
    expect(Number(rich?.metadata.violations_sent)).toBe(rich?.violations.length);
    expect(rich?.violations[0].field).toBe('items[h0000000].location.inventory.player_id');

    expect(next.code).toBe('OK');
  }, 120_000);
});
