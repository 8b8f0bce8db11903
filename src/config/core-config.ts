// The resolved node configuration in the shape the pure core takes.
import type { NodeConfig, NodeResource } from './model.js';
import type { CoreConfig, EtcdVoterSpec, ResourceSpec } from '../core/types.js';
import { etcdTtlMs } from '../core/quorum.js';

export interface CoreConfigOptions {
  /** `-m`: start here at once, without asking anyone. */
  forceStart: boolean;
  /** Whether the resource has an alert script (the shell looks for `alerthasrv`); none when left out. */
  alert?: (resource: NodeResource) => boolean;
}

export function toCoreConfig(config: NodeConfig, options: CoreConfigOptions): CoreConfig {
  return {
    node: config.node,
    timing: { ...config.timing },
    forceStart: options.forceStart,
    etcd: etcdVoterSpec(config),
    resources: config.resources.map((resource): ResourceSpec => ({
      name: resource.name,
      members: resource.members.map((member) => ({ ...member })),
      ...(resource.discoverMembers === undefined ? {} : { discoverMembers: { ...resource.discoverMembers } }),
      attempts: resource.attempts,
      monitorInterval: resource.monitorInterval,
      monitorFall: resource.monitorFall,
      localRestarts: resource.localRestarts,
      scriptTimeout: resource.scriptTimeout,
      failback: resource.failback,
      fence: resource.fence !== null,
      alert: options.alert?.(resource) ?? false,
      notify: resource.scripts.kind === 'exec',
      complaintCount: resource.complaintCount,
      complaintInterval: resource.complaintInterval,
    })),
  };
}

/** etcd's part for the core (CoreConfig.etcd): its lease TTL, or null without an `etcd` section. */
export function etcdVoterSpec(config: Pick<NodeConfig, 'etcd' | 'timing'>): EtcdVoterSpec | null {
  return config.etcd === null ? null : { ttlMs: etcdTtlMs(config.timing.lease) };
}
