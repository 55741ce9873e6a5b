import { readFileSync } from 'node:fs';
import { CONFIG_DOC, TABLE_BEGIN, TABLE_END, withConfigTable } from './config-table';
import { SETTINGS } from './settings';

describe('docs/configuration.md configuration table', () => {
  const page = readFileSync(CONFIG_DOC, 'utf8');

  it('is the one generated from the settings (run `npm run docs:config` after changing a setting)', () => {
    expect(withConfigTable(page)).toBe(page);
    for (const d of Object.values(SETTINGS)) expect(page).toContain(`\`${d.env}\``);
  });

  it('tells a stale table from the current one: a row missing or changed is rewritten', () => {
    const firstRow = page.split('\n').find((l) => l.startsWith('| `PERSISTD_'))!;
    const stale = page.replace(`${firstRow}\n`, '');
    expect(withConfigTable(stale)).not.toBe(stale);
    expect(withConfigTable(stale)).toBe(page);
    const edited = page.replace(firstRow, firstRow.replace(' | ', ' | x'));
    expect(withConfigTable(edited)).toBe(page);
  });

  it('refuses a page whose markers are gone rather than writing the table nowhere', () => {
    expect(() => withConfigTable(page.replace(TABLE_BEGIN, ''))).toThrow(/no markers/);
    expect(() => withConfigTable(page.replace(TABLE_END, ''))).toThrow(/no markers/);
  });
});
