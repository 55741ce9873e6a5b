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

  it("keeps a Save's request digest, and reads it back", () => {
    const r = { epoch: 4n, contentDigest: cd, digest: d, requestDigest: rd };
    expect(encodeRequestRecord(r)).toBe(`4 ${cd} ${d} save:${rd}`);
    expect(decodeRequestRecord(`4 ${cd} ${d} save:${rd}`, 'k')).toEqual(r);
    expect(() => decodeRequestRecord(`4 ${cd} ${d} save:${rd} 1,2,3,4,5`, 'k')).toThrow(/does not hold a request record/);
    expect(() => encodeRequestRecord({ ...r, requestDigest: undefined, counts: [0, 0, 0, 0, 0] })).toThrow(/request digest/);
  });

  it('names one request per id: a Save by request digest (content digest for an old record), a SaveChanges by request digest, never one for the other', () => {
    const old = { epoch: 1n, contentDigest: cd, digest: d };
    const save = { ...old, requestDigest: rd };
    const changes = { ...old, requestDigest: rd, counts: [0, 0, 0, 0, 0] };
    // An old Save record: the content digest decides, with or without the retry's request digest.
    expect(sameRequest(old, { method: 'Save', contentDigest: cd })).toBe(true);
    expect(sameRequest(old, { method: 'Save', contentDigest: cd, requestDigest: rd })).toBe(true);
    expect(sameRequest(old, { method: 'Save', contentDigest: d, requestDigest: rd })).toBe(false);
    // A Save record with a request digest: it decides, whatever the content digest (another stored form).
    expect(sameRequest(save, { method: 'Save', contentDigest: d, requestDigest: rd })).toBe(true);
    expect(sameRequest(save, { method: 'Save', contentDigest: cd, requestDigest: d })).toBe(false);
    expect(sameRequest(save, { method: 'Save', contentDigest: cd })).toBe(true);
    // Across methods: never.
    expect(sameRequest(old, { requestDigest: rd })).toBe(false);
    expect(sameRequest(save, { contentDigest: cd, requestDigest: rd })).toBe(false);
    expect(sameRequest(changes, { method: 'Save', contentDigest: cd, requestDigest: rd })).toBe(false);
    expect(sameRequest(changes, { contentDigest: '', requestDigest: rd })).toBe(true);
    expect(sameRequest(changes, { method: 'SaveChanges', requestDigest: d })).toBe(false);
  });
});
