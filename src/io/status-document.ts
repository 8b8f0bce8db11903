// What `hastmonctl status` shows: the core's view of each resource, with the configuration's
// words for it (exec script, remote addresses as written, heartbeat and complaint settings).

import type { NodeConfig, NodeResource } from '../config/model.js';
import { shownRole } from '../core/arbitration.js';
import type { NodeView, PeerView, ResourceView } from '../core/types.js';
import type { EtcdStatus, GatewayStatus, PeerStatus, RemoteStatus, ResourceStatus, ShownRole, StatusDocument } from './control-protocol.js';

/** The etcd connection as the shell knows it; each key's part comes from the core's view. */
export type EtcdConnection = Omit<EtcdStatus, 'resources'>;

export interface StatusInfo {
  pid: number;
  time: Date;
  drops: Array<{ reason: string; count: number }>;
  /** The source address each peer was last heard from, `address:port`. */
  heardFrom: ReadonlyMap<string, string>;
  /** The resolved address of each configured remote, by its text as written. */
  remoteAddresses: ReadonlyMap<string, string>;
  /** The gateway check, or null when no `ping` is configured. */
  gateway: GatewayStatus | null;
  /** The etcd connection, or null without an `etcd` section. */
  etcd: EtcdConnection | null;
}

export function buildStatus(view: NodeView, config: NodeConfig, info: StatusInfo): StatusDocument {
  const resources: ResourceStatus[] = [];
  for (const r of view.resources) {
    const configured = config.resources.find((c) => c.name === r.name);
    if (configured !== undefined) resources.push(resourceStatus(r, configured, config, info));
  }
  return {
    node: view.node,
    pid: info.pid,
    incarnation: view.incarnation,
    time: info.time.toISOString(),
    gateway: info.gateway,
    etcd: info.etcd === null ? null : etcdStatus(view, config, info.etcd),
    resources,
    drops: info.drops,
  };
}

/** etcd's part: the connection, and each key as the core counts it (whole ms, as the JSON promises). */
function etcdStatus(view: NodeView, config: NodeConfig, connection: EtcdConnection): EtcdStatus {
  const resources = view.resources.filter((r) => r.etcd !== null && config.resources.some((c) => c.name === r.name));
  return {
    ...connection,
    resources: resources.map((r) => ({
      name: r.name,
      claim: r.etcd?.claim ?? 'unknown',
      owner: r.etcd?.owner ?? '',
      countsForMs: Math.max(0, Math.round(r.etcd?.countsForMs ?? 0)),
    })),
  };
}

function resourceStatus(r: ResourceView, configured: NodeResource, config: NodeConfig, info: StatusInfo): ResourceStatus {
  return {
    name: r.name,
    role: shownRoleIn(r.role, r.state),
    configuredRole: r.role,
    state: r.state,
    forced: r.forced,
    offlineSec: Math.ceil(r.offlineMs / 1000),
    exec: configured.scripts.kind === 'exec' ? configured.scripts.path : configured.scripts.dir,
    remotes: remotes(r.peers, configured, info),
    attempts: r.attempts,
    maxAttempts: r.maxAttempts,
    complaints: r.complaints,
    complaintIntervalSec: configured.complaintInterval / 1000,
    complaintThreshold: configured.complaintCount,
    heartbeatSec: config.timing.heartbeatInterval / 1000,
    holder: r.holder,
    quorum: r.quorum,
    voters: r.voters,
    reason: r.reason,
    peers: r.peers.map(peerStatus),
  };
}

function peerStatus(peer: PeerView): PeerStatus {
  return {
    node: peer.node,
    state: peer.state,
    role: peer.role === 'unknown' ? 'unknown' : shownRoleIn(peer.role, peer.state),
    configuredRole: peer.role,
    priority: peer.priority,
    heardAgoMs: peer.heardAgo,
    vote: peer.vote,
    offline: peer.offline,
  };
}

/**
 * The role HASTMON's status shows for a node in `state` (a peer's may be TIMEDOUT or UNKNOWN):
 * the one word for a node's role everywhere, status, JSON and state file alike.
 */
export function shownRoleIn(role: ResourceView['role'], state: string): ShownRole {
  return shownRole(role, state === 'STARTING' || state === 'RUNNING' || state === 'STOPPING');
}

/** Each configured remote with the node heard from it; without remotes (multicast), every peer. */
function remotes(peers: PeerView[], configured: NodeResource, info: StatusInfo): RemoteStatus[] {
  const describe = (address: string, peer: PeerView | undefined): RemoteStatus => {
    const known = peer !== undefined && peer.state !== 'UNKNOWN';
    return {
      address,
      node: peer?.node ?? null,
      connected: known && peer.state !== 'TIMEDOUT',
      role: known && peer.role !== 'unknown' ? shownRoleIn(peer.role, peer.state) : null,
      state: peer?.state ?? null,
    };
  };
  if (configured.remotes.length === 0) return peers.map((p) => describe(p.node, p));
  return configured.remotes.map((remote) => {
    const resolved = info.remoteAddresses.get(remote.text);
    const byAddress = peers.find((p) => resolved !== undefined && info.heardFrom.get(p.node) === `${resolved}:${remote.port}`);
    const byName = peers.find((p) => p.node.toLowerCase() === remote.host.toLowerCase());
    return describe(remote.text, byAddress ?? byName);
  });
}
