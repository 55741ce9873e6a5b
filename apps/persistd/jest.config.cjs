const { projectConfig } = require('../../jest.preset.cjs');

module.exports = projectConfig(__dirname, 'persistd', { unit: ['auth/auth.spec.ts', 'config/*.spec.ts', 'limits/restore-budget.spec.ts', 'rpc/world-queue.spec.ts', 'cluster/history-checker.spec.ts', 'cluster/cluster-setting.spec.ts'], clusterChaos: ['cluster/crash-failover.spec.ts', 'cluster/scale-out.spec.ts', 'cluster/topologies.spec.ts'] });
