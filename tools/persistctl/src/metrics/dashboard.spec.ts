import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { METRICS } from './metric-names';

/**
 * The Grafana dashboard (tools/load/grafana/persistd-dashboard.json) and `persistctl watch`
 * read one list of metric names, the one the daemon must export.
 */
describe('the Grafana dashboard', () => {
  const text = readFileSync(join(__dirname, '../../../load/grafana/persistd-dashboard.json'), 'utf8');
  const dashboard = JSON.parse(text);

  it('queries exactly the metrics of METRICS (histograms through their _bucket series)', () => {
    const used = new Set([...text.matchAll(/persistd_[a-z_]+/g)].map((m) => m[0].replace(/_bucket$/, '')));
    expect([...used].sort()).toEqual(Object.values(METRICS).sort());
  });

  it('has a data source variable so it imports into any Grafana, and unique panel ids', () => {
    expect(dashboard.templating.list.map((v: { name: string }) => v.name)).toEqual(['datasource', 'instance']);
    const ids = dashboard.panels.map((p: { id: number }) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) expect(p.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
  });
});
