// Without a configuration file hastmon runs like freehad: one resource, FreeHA's three scripts,
// peers found on the default multicast channel.
import { DEFAULT_LISTEN } from './address.js';
import { DEFAULT_MULTICAST_CHANNEL } from './channel.js';
import {
  DEFAULT_ATTEMPTS,
  DEFAULT_COMPLAINT_COUNT,
  DEFAULT_COMPLAINT_INTERVAL_MS,
  DEFAULT_CONTROL_SOCKET,
  DEFAULT_FAILBACK,
  DEFAULT_LOCAL_RESTARTS,
  DEFAULT_MONITOR_FALL,
  DEFAULT_MONITOR_INTERVAL_MS,
  DEFAULT_PRIORITY,
  DEFAULT_ROLE_ON_START,
  DEFAULT_SCRIPT_TIMEOUT_MS,
  DEFAULT_STATE_FILE,
} from './defaults.js';
import type { NodeConfig, Settings } from './model.js';
import { scriptsIn } from './scripts.js';
import { resolveTiming } from './timing.js';
import type { Timing } from '../core/types.js';

/** freehad's single resource. */
export const FREEHAD_RESOURCE = 'service';

export interface FreehadOptions {
  node: string;
  scriptDir: string;
  /** `-n`: how many nodes the cluster has, so that a lone node cannot make a quorum. */
  expectedNodes: number;
  /** What the flags set that a configuration file would otherwise (hastmon(8)). */
  tuning?: FreehadTuning | undefined;
}

/** Without a configuration file: the settings an operator may still need, from the flags. */
export interface FreehadTuning {
  /** `-C`: the control socket, so that two nodes can run on one host. */
  control?: string;
  /** `-I`, `-D`, `-E`: as `heartbeat_interval`, `deadtime` and `lease`, in milliseconds. */
  heartbeatInterval?: number;
  deadtime?: number;
  lease?: number;
  /** `-A`: as `attempts`. */
  attempts?: number;
}

/** The timing the flags give, checked by the configuration's own rules; or what is wrong with it. */
export function freehadTiming(tuning: FreehadTuning = {}): { ok: true; timing: Timing } | { ok: false; message: string } {
  const settings: Settings = {};
  // Line 0: there is no file, and the message names the setting.
  if (tuning.heartbeatInterval !== undefined) settings.heartbeat_interval = { value: tuning.heartbeatInterval, line: 0 };
  if (tuning.deadtime !== undefined) settings.deadtime = { value: tuning.deadtime, line: 0 };
  if (tuning.lease !== undefined) settings.lease = { value: tuning.lease, line: 0 };
  const { timing, errors } = resolveTiming(settings);
  const first = errors[0];
  return first === undefined ? { ok: true, timing } : { ok: false, message: first.message };
}

/** The configuration without a file; its tuning must have passed freehadTiming (the flag parser checks it). */
export function defaultConfig(options: FreehadOptions): NodeConfig {
  const tuning = options.tuning ?? {};
  const timing = freehadTiming(tuning);
  if (!timing.ok) throw new Error(timing.message);
  return {
    node: options.node,
    listen: { ...DEFAULT_LISTEN },
    control: tuning.control ?? DEFAULT_CONTROL_SOCKET,
    http: null,
    stateFile: DEFAULT_STATE_FILE,
    channels: [{ ...DEFAULT_MULTICAST_CHANNEL }],
    key: null,
    friends: [],
    remotes: [],
    ping: null,
    timing: timing.timing,
    peers: { kind: 'discovered', expectedNodes: options.expectedNodes },
    etcd: null,
    resources: [
      {
        name: FREEHAD_RESOURCE,
        role: DEFAULT_ROLE_ON_START,
        priority: DEFAULT_PRIORITY,
        scripts: scriptsIn(options.scriptDir),
        fence: null,
        members: [{ node: options.node, priority: DEFAULT_PRIORITY, roleOnStart: DEFAULT_ROLE_ON_START }],
        discoverMembers: { expectedNodes: options.expectedNodes, priority: DEFAULT_PRIORITY },
        remotes: [],
        attempts: tuning.attempts ?? DEFAULT_ATTEMPTS,
        monitorInterval: DEFAULT_MONITOR_INTERVAL_MS,
        monitorFall: DEFAULT_MONITOR_FALL,
        localRestarts: DEFAULT_LOCAL_RESTARTS,
        scriptTimeout: DEFAULT_SCRIPT_TIMEOUT_MS,
        failback: DEFAULT_FAILBACK,
        complaintCount: DEFAULT_COMPLAINT_COUNT,
        complaintInterval: DEFAULT_COMPLAINT_INTERVAL_MS,
      },
    ],
  };
}
