import { Metadata, status } from '@grpc/grpc-js';
import { codeRank, SAVE_CODES, statusOf } from './codes';
import { fromServiceError, STATUS_DETAILS_KEY, toStatusObject } from './rich-status';

describe('rich status', () => {
  const refusal = { code: status.INVALID_ARGUMENT, message: 'PARTIAL_SAVE: snapshot.npcs is absent', reason: 'PARTIAL_SAVE', metadata: { b: '2', a: '1' }, violations: [{ field: 'snapshot.npcs', description: 'PARTIAL_SAVE: absent' }] };

  it('round-trips reason, metadata and violations through the status trailer', () => {
    const st = toStatusObject(refusal);
    expect(st.code).toBe(status.INVALID_ARGUMENT);
    const back = fromServiceError({ code: st.code!, details: st.details!, metadata: st.metadata! });
    expect(back).toEqual({ ...refusal, metadata: { a: '1', b: '2' } });
  });

  it('gives the same bytes for the same refusal, whatever the metadata order', () => {
    const a = toStatusObject(refusal).metadata!.get(STATUS_DETAILS_KEY)[0] as Buffer;
    const b = toStatusObject({ ...refusal, metadata: { a: '1', b: '2' } }).metadata!.get(STATUS_DETAILS_KEY)[0] as Buffer;
    expect(a.equals(b)).toBe(true);
  });

  it('reports no rich status for a transport failure', () => {
    expect(fromServiceError({ code: status.UNAVAILABLE, details: 'connection reset', metadata: new Metadata() })).toBeUndefined();
  });
});

describe('codes', () => {
  it('keeps DESIGN §4 precedence and statuses', () => {
    expect(codeRank('UNAUTHENTICATED')).toBe(0);
    expect(codeRank('EPOCH_CONFLICT')).toBe(SAVE_CODES.length - 1);
    expect(codeRank('REQUEST_ID_REUSED')).toBeLessThan(codeRank('EPOCH_CONFLICT'));
    expect(statusOf('CLIENT_AUTHORED')).toBe(status.PERMISSION_DENIED);
    expect(statusOf('EPOCH_CONFLICT')).toBe(status.ABORTED);
    expect(statusOf('MIXED_EPOCH')).toBe(status.INVALID_ARGUMENT);
    expect(statusOf('MIXED_EPOCH', 'stored')).toBe(status.DATA_LOSS);
    expect(statusOf('UNSUPPORTED_VERSION', 'stored')).toBe(status.FAILED_PRECONDITION);
    expect(statusOf('DANGLING_REFERENCE', 'stored')).toBe(status.DATA_LOSS);
    expect(statusOf('WORLD_NOT_FOUND')).toBe(status.NOT_FOUND);
    expect(statusOf('COMMIT_OUTCOME_UNKNOWN')).toBe(status.UNAVAILABLE);
  });
});
