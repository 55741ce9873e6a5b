import { rulesVersionOf } from './rules-version';

describe('rulesVersionOf', () => {
  const limits = { maxRecordsPerSection: 250_000, maxStringBytes: 4096, maxMapEntries: 1024 };

  it('is a stable SHA-256 of the same rules and limits, whatever order the limits come in', () => {
    const v = rulesVersionOf(limits);
    expect(v).toMatch(/^[0-9a-f]{64}$/);
    expect(rulesVersionOf({ maxMapEntries: 1024, maxStringBytes: 4096, maxRecordsPerSection: 250_000 })).toBe(v);
  });

  it('changes with any configured limit', () => {
    const v = rulesVersionOf(limits);
    expect(rulesVersionOf({ ...limits, maxStringBytes: 4097 })).not.toBe(v);
    expect(rulesVersionOf({ ...limits, maxRecordsPerSection: 1 })).not.toBe(v);
  });
});
