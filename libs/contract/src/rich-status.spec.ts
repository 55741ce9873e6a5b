import { Metadata, status } from '@grpc/grpc-js';
import { codeRank, SAVE_CODES, statusOf } from './codes';
import { fromServiceError, REFUSAL_BOUNDS, STATUS_DETAILS_KEY, toStatusObject, type RichError } from './rich-status';
import { cutUtf8 } from './utf8-cut';

describe('rich status', () => {
  const refusal = { code: status.INVALID_ARGUMENT, message: 'PARTIAL_SAVE: snapshot.npcs is absent', reason: 'PARTIAL_SAVE', metadata: { b: '2', a: '1' }, violations: [{ field: 'snapshot.npcs', description: 'PARTIAL_SAVE: absent' }] };

  it('round-trips reason, metadata and violations through the status trailer', () => {
    const st = toStatusObject(refusal);
    expect(st.code).toBe(status.INVALID_ARGUMENT);
    const back = fromServiceError({ code: st.code!, details: st.details!, metadata: st.metadata! });
    expect(back).toEqual({ ...refusal, metadata: { a: '1', b: '2', violations_sent: '1', violations_total: '1' } });
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

describe('rich status bounds', () => {
  const many = (n: number, pad = ''): RichError => ({
    code: status.INVALID_ARGUMENT,
    message: `DANGLING_REFERENCE: no player p0 (and ${n - 1} more)`,
    reason: 'DANGLING_REFERENCE',
    metadata: {},
    violations: Array.from({ length: n }, (_, i) => ({ field: `items[i${String(i).padStart(6, '0')}]${pad}.location.inventory.player_id`, description: `DANGLING_REFERENCE: no player p${i}${pad}` })),
  });
  const detailsOf = (err: RichError): Buffer => toStatusObject(err).metadata!.get(STATUS_DETAILS_KEY)[0] as Buffer;
  const decode = (err: RichError) => {
    const st = toStatusObject(err);
    return { st, back: fromServiceError({ code: st.code!, details: st.details!, metadata: st.metadata! })! };
  };

  it.each([1_000, 100_000])('keeps the details of %i violations within 4 KiB, listing the first ones in order with the counts', (n) => {
    const err = many(n);
    const { back } = decode(err);
    expect(detailsOf(err).length).toBeLessThanOrEqual(REFUSAL_BOUNDS.detailsBytes);
    const sent = back.violations.length;
    expect(sent).toBeGreaterThan(20);
    expect(back.violations).toEqual(err.violations.slice(0, sent));
    expect(back.metadata).toEqual({ violations_total: String(n), violations_sent: String(sent) });
  });

  it('lists every violation when they fit', () => {
    const { back } = decode(many(5));
    expect(back.violations).toHaveLength(5);
    expect(back.metadata).toEqual({ violations_total: '5', violations_sent: '5' });
  });

  it('cuts one huge path and description so the others still fit', () => {
    const err = many(50, 'x'.repeat(100_000));
    const { back } = decode(err);
    expect(detailsOf(err).length).toBeLessThanOrEqual(REFUSAL_BOUNDS.detailsBytes);
    expect(back.violations.length).toBeGreaterThanOrEqual(4);
    for (const v of back.violations) {
      expect(Buffer.byteLength(v.field)).toBeLessThanOrEqual(REFUSAL_BOUNDS.fieldBytes);
      expect(Buffer.byteLength(v.description)).toBeLessThanOrEqual(REFUSAL_BOUNDS.descriptionBytes);
      expect(v.field.endsWith('…')).toBe(true);
    }
  });

  it('cuts grpc-message to 512 bytes on a UTF-8 boundary', () => {
    const err = { ...many(3), message: 'é'.repeat(1_000) };
    const { st, back } = decode(err);
    expect(Buffer.byteLength(st.details!)).toBeLessThanOrEqual(REFUSAL_BOUNDS.messageBytes);
    expect(st.details).toMatch(/^é+…$/);
    expect(back.message).toBe(st.details);
  });

  it('bounds metadata values', () => {
    const { back } = decode({ ...many(1), metadata: { limit: 'l'.repeat(10_000) } });
    expect(Buffer.byteLength(back.metadata.limit)).toBeLessThanOrEqual(REFUSAL_BOUNDS.metadataValueBytes);
  });

  it('gives the same bytes for the same long refusal', () => {
    expect(detailsOf(many(20_000)).equals(detailsOf(many(20_000)))).toBe(true);
  });

  it('adds no counts to a refusal without violations', () => {
    const { back } = decode({ ...many(1), violations: [], metadata: { limit: 'max_records_per_section' } });
    expect(back.metadata).toEqual({ limit: 'max_records_per_section' });
    expect(back.violations).toEqual([]);
  });
});

describe('cutUtf8', () => {
  it('keeps text that fits and cuts the rest on a code point boundary', () => {
    expect(cutUtf8('abc', 3)).toBe('abc');
    expect(cutUtf8('abcdef', 5)).toBe('ab…');
    expect(cutUtf8('😀😀😀', 9)).toBe('😀…'); // 4-byte code points are never split
    expect(Buffer.byteLength(cutUtf8('é'.repeat(100), 10))).toBeLessThanOrEqual(10);
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
