import { status } from '@grpc/grpc-js';
import type { RichError } from '@persistd/contract';
import { judgeAnswer } from './judge';

const LIMIT = 1024;
const rich = (code: status, reason: string): RichError => ({ code, message: 'm', reason, metadata: {}, violations: [] });

describe('judgeAnswer', () => {
  it('accepts OK, a §4 refusal under its status, and grpc-js refusing an oversized message', () => {
    expect(judgeAnswer({ status: status.OK, details: '', inputBytes: 10 }, LIMIT)).toBeUndefined();
    expect(judgeAnswer({ status: status.INVALID_ARGUMENT, rich: rich(status.INVALID_ARGUMENT, 'MALFORMED_REQUEST'), details: '', inputBytes: 10 }, LIMIT)).toBeUndefined();
    expect(judgeAnswer({ status: status.NOT_FOUND, rich: rich(status.NOT_FOUND, 'WORLD_NOT_FOUND'), details: '', inputBytes: 10 }, LIMIT)).toBeUndefined();
    expect(judgeAnswer({ status: status.RESOURCE_EXHAUSTED, rich: rich(status.RESOURCE_EXHAUSTED, 'LIMIT_EXCEEDED'), details: '', inputBytes: 10 }, LIMIT)).toBeUndefined();
    expect(judgeAnswer({ status: status.RESOURCE_EXHAUSTED, details: 'Received message larger than max', inputBytes: LIMIT + 1 }, LIMIT)).toBeUndefined();
  });

  it('reports INTERNAL, UNKNOWN, a hang, a bare status, an unlisted reason and a reason under the wrong status', () => {
    expect(judgeAnswer({ status: status.INTERNAL, details: 'internal error', inputBytes: 10 }, LIMIT)).toMatch(/INTERNAL without an ErrorInfo/);
    expect(judgeAnswer({ status: status.UNKNOWN, details: 'x', inputBytes: 10 }, LIMIT)).toMatch(/UNKNOWN/);
    expect(judgeAnswer({ status: status.DEADLINE_EXCEEDED, details: 'Deadline exceeded', inputBytes: 10 }, LIMIT)).toMatch(/hang/);
    expect(judgeAnswer({ status: status.RESOURCE_EXHAUSTED, details: 'x', inputBytes: 10 }, LIMIT)).toMatch(/without an ErrorInfo/);
    expect(judgeAnswer({ status: status.INVALID_ARGUMENT, rich: rich(status.INVALID_ARGUMENT, 'BAD_THING'), details: '', inputBytes: 10 }, LIMIT)).toMatch(/does not list/);
    expect(judgeAnswer({ status: status.INTERNAL, rich: rich(status.INTERNAL, 'MALFORMED_REQUEST'), details: '', inputBytes: 10 }, LIMIT)).toMatch(/carried under INTERNAL/);
  });
});
