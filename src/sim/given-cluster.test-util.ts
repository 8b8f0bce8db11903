// A cluster from a configuration text, every node resolved as its daemon would resolve it.
import { toCoreConfig } from '../config/core-config.js';
import { clusterNodes } from '../config/lookup.js';
import { parseConfig } from '../config/parse.js';
import { resolveForNode } from '../config/resolve.js';
import { givenCluster, type ClusterPlan } from './cluster.js';

/** Every node of a configuration text, resolved as its daemon would. */
export function clusterOf(text: string): ClusterPlan {
  const parsed = parseConfig(text, 'test.conf');
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('; '));
  return givenCluster(
    clusterNodes(parsed.config).map((node) => {
      const resolved = resolveForNode(parsed.config, node);
      if (!resolved.ok) throw new Error(resolved.errors.map((e) => e.message).join('; '));
      return toCoreConfig(resolved.config, { forceStart: false });
    }),
  );
}
