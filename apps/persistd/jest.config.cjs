const { projectConfig } = require('../../jest.preset.cjs');

module.exports = projectConfig(__dirname, 'persistd', {
  unit: ['auth/auth.spec.ts', 'config/*.spec.ts', 'limits/restore-budget.spec.ts', 'rpc/world-queue.spec.ts', 'test/cluster/cluster-setting.spec.ts'],
  clusterChaos: ['test/cluster/crash-failover.spec.ts', 'test/cluster/scale-out.spec.ts', 'test/cluster/topologies.spec.ts'],
  saveWorkers: true,
});
