import { readFileSync } from 'node:fs';
import { status } from '@grpc/grpc-js';
import { SAVE_CODES, STORE_CODES, statusOf } from '@persistd/contract';
import { ALL_CODES, codeTable, ERRORS_DOC, withCodeTable } from './code-table';

describe('docs/errors.md error-code table', () => {
  const page = readFileSync(ERRORS_DOC, 'utf8');

  it('is the one generated from codes.ts (run `npm run docs:config` after changing a code)', () => {
    expect(withCodeTable(page)).toBe(page);
  });

  it('tells a stale table from the current one: a missing row is written back', () => {
    const stale = page.replace(/^\| `EPOCH_CONFLICT` \|.*\n/m, '');
    expect(stale).not.toBe(page);
    expect(withCodeTable(stale)).toBe(page);
  });

  it('has one row per code of the closed list, in precedence order, with the status statusOf gives', () => {
    const rows = codeTable().split('\n').slice(2);
    expect(rows.map((r) => /^\| `([A-Z_]+)` \|/.exec(r)?.[1])).toEqual([...SAVE_CODES, ...STORE_CODES]);
    expect(new Set(ALL_CODES).size).toBe(ALL_CODES.length);
    for (const [i, code] of ALL_CODES.entries()) {
      const statusCell = rows[i]!.split(' | ')[1]!;
      expect(statusCell.startsWith(`\`${status[statusOf(code)]}\``)).toBe(true);
    }
    // The stored path and the in-flight bound, as DESIGN §4 lists them.
    const row = (code: string) => rows.find((r) => r.startsWith(`| \`${code}\` |`))!;
    expect(row('UNSUPPORTED_VERSION')).toContain('`FAILED_PRECONDITION` on restore');
    expect(row('MIXED_EPOCH')).toContain('`DATA_LOSS` on restore');
    expect(row('LIMIT_EXCEEDED')).toContain('`RESOURCE_EXHAUSTED` when in-flight or restore bytes are full');
    expect(row('EPOCH_CONFLICT')).toContain('`ABORTED`');
  });
});
