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
import type { NodeConfig } from './model.js';
import { scriptsIn } from './scripts.js';
import { DEFAULT_TIMING } from './timing.js';

/** freehad's single resource. */
export const FREEHAD_RESOURCE = 'service';

export interface FreehadOptions {
  node: string;
  scriptDir: string;
  /** `-n`: how many nodes the cluster has, so that a lone node cannot make a quorum. */
  expectedNodes: number;
}

export function defaultConfig(options: FreehadOptions): NodeConfig {
  return {
    node: options.node,
    listen: { ...DEFAULT_LISTEN },
    control: DEFAULT_CONTROL_SOCKET,
    stateFile: DEFAULT_STATE_FILE,
    channels: [{ ...DEFAULT_MULTICAST_CHANNEL }],
    key: null,
    friends: [],
    remotes: [],
    ping: null,
    timing: { ...DEFAULT_TIMING },
    peers: { kind: 'discovered', expectedNodes: options.expectedNodes },
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
        attempts: DEFAULT_ATTEMPTS,
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
