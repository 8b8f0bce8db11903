// Where each keyword of hastmon.conf may appear. A setting found in several places is taken
// from the most specific one (resource `on` section, then the global `on` section of the node,
// then the resource, then the global section), except that a resource's script (`exec` or
// `scripts`) never comes from a global `on` section, which has none.
import type { SettingName } from './model.js';

export type Scope = 'global' | 'node' | 'resource' | 'resource-node';

export const SCOPE_NAMES: Record<Scope, string> = {
  global: 'the global section',
  node: "a global 'on' section",
  resource: "a 'resource' section",
  'resource-node': "an 'on' section inside a resource",
};

export type Keyword = SettingName | 'channel' | 'on' | 'resource' | 'etcd';

const G: Scope = 'global';
const N: Scope = 'node';
const R: Scope = 'resource';
const RN: Scope = 'resource-node';

export const KEYWORD_SCOPES: Record<Keyword, readonly Scope[]> = {
  // Per daemon: several daemons may share one host when each has its own.
  control: [G, N],
  listen: [G, N],
  // Each node's own address and port: read-only metrics and status, off unless asked for.
  http: [N],
  state_file: [G, N],
  channel: [G, N],
  ping: [G, N],
  shutdown_grace: [G, N],
  // Timing of heartbeats, timeouts and leases must agree on every node.
  heartbeat_interval: [G],
  deadtime: [G],
  lease: [G],
  // The secret authenticates every datagram of the daemon, whatever the resource.
  key: [G],
  // etcd votes for every resource of the cluster, and every node must use the same keys.
  etcd: [G],
  // Per resource, with a cluster-wide default.
  friends: [G, R],
  complaint_count: [G, R],
  complaint_interval: [G, R],
  failback: [G, R],
  // Scripts and their tuning may differ per node (paths, slower hardware).
  exec: [G, R, RN],
  scripts: [G, R, RN],
  fence: [G, R, RN],
  timeout: [G, R, RN],
  attempts: [G, R, RN],
  monitor_interval: [G, R, RN],
  monitor_fall: [G, R, RN],
  local_restarts: [G, R, RN],
  // A node's part: for all its resources (global `on`) or for one.
  priority: [N, RN],
  remote: [N, RN],
  role_on_start: [G, N, RN],
  on: [G, R],
  resource: [G],
};

export function isKeyword(word: string): word is Keyword {
  return Object.hasOwn(KEYWORD_SCOPES, word);
}

export function keywordsOf(scope: Scope): Keyword[] {
  return (Object.keys(KEYWORD_SCOPES) as Keyword[]).filter((k) => KEYWORD_SCOPES[k].includes(scope)).sort();
}
