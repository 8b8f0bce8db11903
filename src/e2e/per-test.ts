// One cluster per test, tests free to run concurrently: its state files, logs and record are
// printed when the test fails, and everything it started is killed and removed after the test,
// pass or fail.
import type { TestContext } from 'vitest';
import { Cluster, type ClusterOptions } from './cluster.js';

/** A new cluster (not started) that belongs to the test of `context`. */
export async function clusterForTest(context: TestContext, options: ClusterOptions): Promise<Cluster> {
  const cluster = await Cluster.create(options);
  context.onTestFinished(async ({ task }) => {
    if (task.result?.state === 'fail') console.log(`${task.name}\n${cluster.diagnostics()}`);
    await cluster.destroy();
  });
  return cluster;
}
