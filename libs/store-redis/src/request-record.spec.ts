import { decodeRequestRecord, encodeRequestRecord, sameRequest } from './request-record';

const cd = 'a'.repeat(64);
const d = 'b'.repeat(64);
const rd = 'c'.repeat(64);

describe('request records', () => {
  it('reads a record written before SaveChanges existed as a Save\'s, and writes a Save\'s the same way', () => {
    const old = decodeRequestRecord(`7 ${cd} ${d}`, 'k');
    expect(old).toEqual({ epoch: 7n, contentDigest: cd, digest: d });
    expect(encodeRequestRecord(old)).toBe(`7 ${cd} ${d}`);
  });

  it('keeps a SaveChanges\' request digest and counts, and reads them back', () => {
    const r = { epoch: 3n, contentDigest: cd, digest: d, requestDigest: rd, counts: [1, 2, 0, 40, 5] };
    const text = encodeRequestRecord(r);
    expect(text).toBe(`3 ${cd} ${d} changes:${rd} 1,2,0,40,5`);
    expect(decodeRequestRecord(text, 'k')).toEqual(r);
    expect(() => encodeRequestRecord({ ...r, counts: [1, 2] })).toThrow(/five counts/);
    expect(() => decodeRequestRecord(`3 ${cd} ${d} changes:${rd} 1,2`, 'k')).toThrow(/does not hold a request record/);
  });

  it('names one request per id: a Save by content digest, a SaveChanges by request digest, never one for the other', () => {
    const save = { epoch: 1n, contentDigest: cd, digest: d };
    const changes = { ...save, requestDigest: rd, counts: [0, 0, 0, 0, 0] };
    expect(sameRequest(save, { contentDigest: cd })).toBe(true);
    expect(sameRequest(save, { contentDigest: d })).toBe(false);
    expect(sameRequest(save, { contentDigest: cd, requestDigest: rd })).toBe(false);
    expect(sameRequest(changes, { contentDigest: cd })).toBe(false);
    expect(sameRequest(changes, { contentDigest: '', requestDigest: rd })).toBe(true);
    expect(sameRequest(changes, { contentDigest: cd, requestDigest: d })).toBe(false);
  });
});
