// The configuration as parsed (node-independent, as written in the file) and as resolved for
// the one node a daemon runs on.
import type { Failback, MemberSpec, Role, Timing } from '../core/types.js';
import type { PeerPolicy } from '../wire/peer-admission.js';

/** A UDP address: `text` is kept as written, for status output (`remoteaddr: tcp4://bolek`). */
export interface Endpoint {
  text: string;
  host: string;
  port: number;
}

export interface MulticastChannel {
  kind: 'multicast';
  group: string;
  port: number;
  /** The local address whose interface joins the group; null lets the system choose. */
  interface: string | null;
  ttl: number;
}

export interface BroadcastChannel {
  kind: 'broadcast';
  address: string;
  port: number;
}

/** Heartbeats to the node's `remote` addresses. */
export interface UnicastChannel {
  kind: 'unicast';
}

export type Channel = MulticastChannel | BroadcastChannel | UnicastChannel;

/** The shared secret is inline or in a file the shell reads: the parser does no file I/O. */
export type KeySpec =
  | { algorithm: 'sha256'; source: 'secret'; secret: string }
  | { algorithm: 'sha256'; source: 'secret_file'; path: string };

/** The value of every keyword that may appear once in a section, under its own name. */
export interface SettingValues {
  control: string;
  listen: Endpoint;
  http: Endpoint;
  state_file: string;
  timeout: number;
  exec: string;
  scripts: string;
  priority: number;
  attempts: number;
  heartbeat_interval: number;
  friends: string[];
  remote: Endpoint[];
  key: KeySpec;
  complaint_count: number;
  complaint_interval: number;
  role_on_start: Role;
  deadtime: number;
  lease: number;
  monitor_interval: number;
  monitor_fall: number;
  local_restarts: number;
  failback: Failback;
  ping: string;
  fence: string;
  shutdown_grace: number;
}

export type SettingName = keyof SettingValues;

export interface Located<T> {
  value: T;
  line: number;
}

export type Settings = { [K in SettingName]?: Located<SettingValues[K]> };

/** The global section (name ''), an `on` section or a `resource` section. */
export interface Section {
  name: string;
  line: number;
  settings: Settings;
  channels: Located<Channel>[];
}

export interface ResourceSection extends Section {
  nodes: Section[];
}

/** One etcd endpoint, as `http://host:port` or `https://host:port` (DESIGN §4.8). */
export interface EtcdEndpoint {
  /** As written, for messages and status. */
  url: string;
  scheme: 'http' | 'https';
  /** A host name or an IP address, without the brackets of an IPv6 one. */
  host: string;
  port: number;
}

/** The global `etcd { }` section: etcd as one more voter of every resource. */
export interface EtcdConfig {
  endpoints: EtcdEndpoint[];
  /** Keys are `<prefix><resource>/holder`; starts and ends with '/'. */
  prefix: string;
  /** Token authentication (`user` and `password`), or null. */
  auth: { user: string; password: string } | null;
  /** TLS files, read by the shell: the CA to trust (null: the system's) and a client certificate. */
  ca: string | null;
  cert: string | null;
  key: string | null;
  /** The longest one request may take, in ms. */
  timeout: number;
}

/** hastmon.conf as written, checked for everything that does not depend on which node reads it. */
export interface ClusterConfig {
  file: string;
  global: Section;
  /** The global `on NODE { }` sections. */
  nodes: Section[];
  resources: ResourceSection[];
  /** Cluster-wide timing, from the global section and the defaults; shutdown grace may differ per node. */
  timing: Timing;
  /** The `etcd` section and its line, or null when there is none. */
  etcd: Located<EtcdConfig> | null;
}

export type ResourceScripts =
  /** HASTMON's single script, called with a verb. */
  | { kind: 'exec'; path: string }
  /** FreeHA's three scripts in one directory, plus the optional alert script. */
  | { kind: 'scripts'; dir: string; start: string; monitor: string; stop: string; alert: string };

export type ResolvedChannel = MulticastChannel | BroadcastChannel | { kind: 'unicast'; peers: Endpoint[] };

/** One resource as the daemon of one node runs it. */
export interface NodeResource {
  name: string;
  /** This node's role_on_start for the resource. */
  role: Role;
  priority: number;
  scripts: ResourceScripts;
  /** The fence script, or null for none. */
  fence: string | null;
  /** Every node named for the resource, this one included. */
  members: MemberSpec[];
  /** freehad mode: members are found from heartbeats (see ResourceSpec). */
  discoverMembers?: { expectedNodes: number; priority: number };
  /** This node's `remote` addresses in the resource's `on` section. */
  remotes: Endpoint[];
  attempts: number;
  monitorInterval: number;
  monitorFall: number;
  localRestarts: number;
  scriptTimeout: number;
  failback: Failback;
  complaintCount: number;
  complaintInterval: number;
}

/** Everything one node's daemon needs from the configuration. */
export interface NodeConfig {
  node: string;
  /** The UDP address unicast heartbeats are received on. */
  listen: Endpoint;
  /** The control socket path. */
  control: string;
  /** The read-only HTTP listener (metrics, status), or null when off. */
  http: Endpoint | null;
  stateFile: string;
  channels: ResolvedChannel[];
  key: KeySpec | null;
  /** Host names or addresses heartbeats are accepted from; empty accepts any source. */
  friends: string[];
  /** Every `remote` address of this node, over all its sections, without repeats. */
  remotes: Endpoint[];
  /** The gateway to check (pha), or null. */
  ping: string | null;
  timing: Timing;
  resources: NodeResource[];
  /** Who may be a peer: the file's nodes, or in freehad mode the first ones heard (DESIGN §8). */
  peers: PeerPolicy;
  /** etcd as one more voter, or null without an `etcd` section. */
  etcd: EtcdConfig | null;
}
