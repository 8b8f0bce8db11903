// One cluster for every test of a describe block: created (and made ready by `prepare`) before the
// first test, destroyed after the last; its state files, logs and record are printed when the
// preparation or a test fails.
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { Cluster, type ClusterOptions } from './cluster.js';

/** Call inside a describe block; the returned function gives the cluster to its tests. */
export function sharedCluster(options: ClusterOptions, prepare: (cluster: Cluster) => Promise<void> = async () => {}): () => Cluster {
  let cluster: Cluster | undefined;
  beforeAll(async () => {
    cluster = await Cluster.create(options);
    try {
      await prepare(cluster);
    } catch (error) {
      console.log(cluster.diagnostics());
      throw error;
    }
  });
  afterAll(async () => {
    await cluster?.destroy();
  });
  beforeEach((context) => {
    context.onTestFailed(({ task }) => {
      if (cluster !== undefined) console.log(`${task.name}\n${cluster.diagnostics()}`);
    });
  });
  return () => {
    if (cluster === undefined) throw new Error('the shared cluster was not created');
    return cluster;
  };
}
