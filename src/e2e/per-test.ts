// One cluster per test: its state files, logs and record are printed when the test fails, and
// everything it started is killed and removed after the test, pass or fail.
import { afterEach, beforeEach } from 'vitest';
import type { Cluster } from './cluster.js';

export function clusterPerTest(): { track(cluster: Cluster): Cluster } {
  let current: Cluster | undefined;
  beforeEach((context) => {
    context.onTestFailed(() => {
      if (current !== undefined) console.log(current.diagnostics());
    });
  });
  afterEach(async () => {
    await current?.destroy();
    current = undefined;
  });
  return { track: (cluster) => (current = cluster) };
}
