import { defineConfig } from 'vitest/config';

/** Tests that run clusters of real daemons on loopback, whose heartbeats must not wait for a busy CPU. */
const CLUSTERS = ['src/e2e/{control,demo,etcd,failover-multicast,failover-unicast,failures,hostile,http,notifications,two-node,unkeyed,steering}.test.ts'];

export default defineConfig({
  test: {
    // Process-level tests start real daemons on loopback; give them room but keep the suite short.
    testTimeout: 60_000,
    hookTimeout: 30_000,
    projects: [
      // Everything else, one file per core: pure tests, and processes with bounds a busy CPU cannot break.
      { extends: true, test: { name: 'unit', include: ['src/**/*.test.ts'], exclude: CLUSTERS, maxWorkers: '100%' } },
      // Then, on their own, the clusters: they mostly wait, so more files than cores, and a few
      // concurrent tests in each, run at once; more would starve a loaded host's daemons past
      // their deadtime.
      {
        extends: true,
        test: { name: 'clusters', include: CLUSTERS, maxWorkers: 3, maxConcurrency: 3, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
