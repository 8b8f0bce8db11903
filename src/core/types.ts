// The vocabulary shared by the pure core, the wire codec, the configuration and the shell.
// Nothing here imports a `node:` module: the core must run unchanged inside the simulator.

/** FreeHA's per-node, per-resource states (DESIGN §1). TIMEDOUT is only ever a view of a peer. */
export type ResourceState =
  | 'INITIAL'
  | 'STANDBY'
  | 'STARTING'
  | 'RUNNING'
  | 'STOPPING'
  | 'ERRORED'
  | 'WATCHING';

export const RESOURCE_STATES: readonly ResourceState[] = [
  'INITIAL',
  'STANDBY',
  'STARTING',
  'RUNNING',
  'STOPPING',
  'ERRORED',
  'WATCHING',
];

/** HASTMON's roles, as set by `role_on_start` or `hastmonctl role`. */
export type Role = 'init' | 'secondary' | 'primary' | 'watchdog';

export const ROLES: readonly Role[] = ['init', 'secondary', 'primary', 'watchdog'];

/** What one node says about one resource in every heartbeat. */
export interface ResourceReport {
  name: string;
  state: ResourceState;
  role: Role;
  priority: number;
  /** May be elected now: a service role, STANDBY, start-up probe done, not offline, gateway reachable. */
  eligible: boolean;
  /** Stepped down (HUP, role secondary, hand-over): least preferred until another node holds. */
  yielding: boolean;
  /** Started by USR1 or -m, without asking anyone. */
  forced: boolean;
  /** A stop failed here: the resource may still run, so nobody else may start it. */
  dirty: boolean;
  /** Taken offline by the operator (hastmonctl offline): not a candidate until the time is up. */
  offline: boolean;
  /** The node this one endorses for the resource, '' for none. */
  vote: string;
  /** The send time (on the endorsed node's clock) of the newest heartbeat heard from it. */
  voteEcho: number;
}

/** The newest heartbeat a node has received from one peer. */
export interface Echo {
  node: string;
  seq: number;
  sentAt: number;
}

/** One heartbeat datagram, decoded (DESIGN §3). */
export interface Heartbeat {
  node: string;
  /** New at each start of the daemon, increasing across starts (wall clock milliseconds at start). */
  incarnation: number;
  seq: number;
  /** Send time on the sender's own monotonic clock, in milliseconds. */
  sentAt: number;
  /** The sender is shutting down and has released everything. */
  leaving: boolean;
  resources: ResourceReport[];
  echoes: Echo[];
}

/** One node's part in one resource, as configured. */
export interface MemberSpec {
  node: string;
  /** Lower is preferred. Watchdogs have none. */
  priority: number;
  roleOnStart: Role;
}

export type Failback = 'auto' | 'manual';

export interface ResourceSpec {
  name: string;
  /** Every node named for this resource: service nodes and watchdogs (the voters). */
  members: MemberSpec[];
  /**
   * freehad mode (no configuration file): members are discovered from heartbeats and every
   * heard node is a service node of this priority; the voter count is at least `expectedNodes` (`-n`).
   */
  discoverMembers?: { expectedNodes: number; priority: number };
  attempts: number;
  monitorInterval: number;
  monitorFall: number;
  /** Confirmed monitor failures restarted here before the resource is released as ERRORED. */
  localRestarts: number;
  /** Every script of this resource is killed after this long. */
  scriptTimeout: number;
  failback: Failback;
  /** A `fence` script is configured: run before taking over from a node that did not stop cleanly. */
  fence: boolean;
  /** `alerthasrv` exists: called on every state change. */
  alert: boolean;
  /** One HASTMON `exec` script: it also receives role/connect/disconnect/complain notifications. */
  notify: boolean;
  complaintCount: number;
  complaintInterval: number;
}

export interface Timing {
  heartbeatInterval: number;
  /** A peer not heard for this long is TIMEDOUT. */
  deadtime: number;
  /** A voter does not endorse anyone else for this long after it last heard the endorsed node. */
  lease: number;
  /** Margin between the old holder beginning to stop and anyone else beginning to start. */
  guard: number;
  /** The largest clock rate error the lease arithmetic tolerates (0.01 = 1%). */
  maxClockDrift: number;
  /** TERM: how long a leaving node keeps its resources blocked after stopping them. */
  shutdownGrace: number;
  /** `offline` without a duration. */
  offlineDefault: number;
}

export interface CoreConfig {
  node: string;
  timing: Timing;
  resources: ResourceSpec[];
  /** `-m`: start here at once, without asking anyone. */
  forceStart: boolean;
  /** etcd is one more voter of every resource; null without an `etcd` section. */
  etcd: EtcdVoterSpec | null;
}

export const SCRIPT_ACTIONS = ['probe', 'start', 'stop', 'monitor', 'fence', 'alert', 'notify'] as const;

export type ScriptAction = (typeof SCRIPT_ACTIONS)[number];

/** A status check's (probe, monitor) exit status for "not running here" (DESIGN §5): not a failure of the script. */
export const STATUS_EXIT_STOPPED = 1;

/** How a script run ended. `code` is null when it was killed by a signal or never ran. */
export interface ScriptOutcome {
  code: number | null;
  timedOut: boolean;
}

export type Command =
  | { type: 'hup' }
  | { type: 'force-start'; resources: string[] | 'all' }
  | { type: 'clear'; resources: string[] | 'all' }
  | { type: 'term' }
  | { type: 'role'; role: Role; resources: string[] | 'all' }
  | { type: 'offline'; seconds?: number; resources: string[] | 'all' };

export type Input =
  | { kind: 'tick' }
  | { kind: 'heartbeat'; heartbeat: Heartbeat }
  | { kind: 'script-done'; resource: string; runId: number; outcome: ScriptOutcome }
  | { kind: 'command'; command: Command }
  | { kind: 'gateway'; reachable: boolean }
  | EtcdClaimInput;

export type LogLevel = 'debug' | 'info' | 'notice' | 'warning' | 'error';

/**
 * What an event is about: this node's state of a resource (from and to are FreeHA's state names),
 * or the node holding it as this node sees it (from and to are node names, '' for none).
 */
export type EventSubject = 'state' | 'holder';

export const EVENT_SUBJECTS: readonly EventSubject[] = ['state', 'holder'];

export type Effect =
  | { kind: 'send'; heartbeat: Heartbeat }
  | {
      kind: 'run-script';
      resource: string;
      runId: number;
      action: ScriptAction;
      /** Extra arguments after the action (notifications, alert number and name, fence target). */
      args: string[];
      timeoutMs: number;
    }
  | { kind: 'kill-script'; resource: string; runId: number }
  | { kind: 'state-changed' }
  /** A change worth the operator's timeline (hastmonctl events); the shell never parses the log for it. */
  | { kind: 'event'; resource: string; subject: EventSubject; from: string; to: string; reason: string }
  | { kind: 'log'; level: LogLevel; message: string }
  | { kind: 'exit'; code: number }
  | EtcdWantEffect;

/** A peer as one node sees it, for the state file and `hastmonctl status`. */
export interface PeerView {
  node: string;
  state: ResourceState | 'TIMEDOUT' | 'UNKNOWN';
  role: Role | 'unknown';
  priority: number;
  /** Milliseconds since last heard, or null if never. */
  heardAgo: number | null;
  vote: string;
  /** Its last heartbeat says it was taken offline (hastmonctl offline). */
  offline: boolean;
}

export interface ResourceView {
  name: string;
  state: ResourceState;
  role: Role;
  priority: number;
  attempts: number;
  maxAttempts: number;
  holder: string;
  vote: string;
  quorum: number;
  voters: number;
  /** Valid endorsements of this node now, its own vote included (as a holder counts them to keep it). */
  endorsements: number;
  /** This node and the voters it hears both ways make a quorum (it could be elected or keep holding). */
  quorate: boolean;
  /** How many times this node began holding the resource (starting it or adopting a running copy). */
  timesHeld: number;
  /** Why this node is doing what it does now (e.g. why it does not start). */
  reason: string;
  complaints: number;
  /** Started by USR1 or -m, without asking anyone (the heartbeat's `forced`). */
  forced: boolean;
  /** Milliseconds left of an `offline` period here, 0 when not offline. */
  offlineMs: number;
  peers: PeerView[];
  /** etcd's part, or null without an `etcd` section. */
  etcd: EtcdView | null;
}

export interface NodeView {
  node: string;
  incarnation: number;
  resources: ResourceView[];
}

// ---------------------------------------------------------------------------------------------
// etcd as one more voter (hastmon.conf(5), `etcd { }`). The shell talks to etcd; the core only
// learns whether this node owns the resource's key, and until when that may be counted.

/** Present when the configuration has an `etcd` section. */
export interface EtcdVoterSpec {
  /** The etcd lease's TTL: the cluster's `lease`, rounded up to whole seconds. */
  ttlMs: number;
}

/** What this node knows of the key `<prefix><resource>/holder`. */
export type EtcdClaim =
  /**
   * Our key, with our lease: etcd's endorsement counts until `countsUntil` (monotonic ms) = the send
   * time of the last successful grant or keepalive + TTL - guard. etcd may keep the lease longer
   * (a leader change resets it), never shorter.
   */
  | { status: 'ours'; countsUntil: number }
  /** The key names another owner (or an earlier incarnation of this node). */
  | { status: 'theirs'; node: string; incarnation: number }
  /** The key is absent: seen by a read or by a watch's DELETE, never guessed from a clock. */
  | { status: 'free' }
  /** No endpoint answered within the timeout: what was known may be stale. */
  | { status: 'unreachable' };

/** From the shell: a change in what this node knows of one resource's etcd key. */
export interface EtcdClaimInput {
  kind: 'etcd';
  resource: string;
  claim: EtcdClaim;
}

/**
 * To the shell, level-triggered, emitted when the wish changes: own the key and keep it alive
 * (want) or revoke our lease and keep only watching (not want).
 */
export interface EtcdWantEffect {
  kind: 'etcd-want';
  resource: string;
  want: boolean;
}

/** etcd's part in one resource, as this node sees it (status, state file, metrics). */
export interface EtcdView {
  claim: EtcdClaim['status'] | 'unknown';
  /** The key's owner, '' when none is known. */
  owner: string;
  /** How much longer etcd's endorsement counts here, 0 unless the key is ours. */
  countsForMs: number;
}
