import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withConfigTable } from './config-table';
import { SETTINGS } from './settings';

describe('README configuration table', () => {
  it('is the one generated from the settings (run `npm run docs:config` after changing a setting)', () => {
    const readme = readFileSync(join(__dirname, '../../../../README.md'), 'utf8');
    expect(withConfigTable(readme)).toBe(readme);
    for (const d of Object.values(SETTINGS)) expect(readme).toContain(`\`${d.env}\``);
  });
});
