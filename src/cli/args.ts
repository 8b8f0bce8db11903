// `hastmon [-dFhkmSt] [-c config] [-L logfile] [-P pidfile] [-l statefile] [-s scriptdir] [-n nodes] [-N name]`
import {
  DEFAULT_ATTEMPTS,
  DEFAULT_CONFIG_PATH,
  DEFAULT_CONTROL_SOCKET,
  DEFAULT_EXPECTED_NODES,
  DEFAULT_PID_FILE,
  DEFAULT_SCRIPT_DIR,
  DEFAULT_STATE_FILE,
} from '../config/defaults.js';
import { freehadTiming, type FreehadTuning } from '../config/freehad.js';
import type { NodeConfig } from '../config/model.js';
import { formatDuration } from '../config/timing.js';
import { parseAbsolutePath, parseCount, parseDuration } from '../config/values.js';
import { DEFAULT_LOSS, DEFAULT_PAUSES, DEFAULT_SCRIPT_TIMES, DEFAULT_SOAK_DELIVERIES, DEFAULT_TRIALS } from '../sim/what-if-defaults.js';
import { getopt } from './getopt.js';
import { whatIfOption, type WhatIfArgs } from './what-if-args.js';
import { HASTMON_GETOPT, WHAT_IF_LETTERS } from './hastmon-getopt.js';

export interface HastmonArgs {
  /** `-t`: check the configuration and exit. */
  check: boolean;
  help: boolean;
  /** `-k`: print a new random key section and exit. */
  generateKey: boolean;
  /** `-F`: stay in the foreground. */
  foreground: boolean;
  /** `-m`: start here at once, without asking anyone (freehad). */
  forceStart: boolean;
  /** How many times `-d` was given. */
  debug: number;
  configPath?: string;
  /** `-L`: the log goes to this file instead of syslog or stderr. */
  logFile?: string;
  pidFile?: string;
  stateFile?: string;
  scriptDir?: string;
  expectedNodes?: number;
  nodeName?: string;
  /** `-A`, `-C`, `-D`, `-E`, `-I`: without a configuration file, what it would set. */
  tuning?: FreehadTuning;
  /** `-S`: simulate the configuration's cluster and print what to expect, with its options. */
  whatIf?: WhatIfArgs;
}

/** What the daemon is started with: the flags and this node's resolved configuration. */
export interface DaemonOptions {
  /** The configuration file read, or null when running without one (freehad mode). */
  configPath: string | null;
  /** This node's configuration, with `-l` applied. */
  config: NodeConfig;
  pidFile: string;
  /** `-L`, or null: syslog in the background, stderr in the foreground. */
  logFile: string | null;
  foreground: boolean;
  debug: number;
  forceStart: boolean;
}

export type ArgsResult = { ok: true; args: HastmonArgs } | { ok: false; message: string };

export const HASTMON_USAGE = `usage: hastmon [-dFhkmt] [-c config] [-L logfile] [-P pidfile] [-l statefile] [-s scriptdir] [-n nodes] [-N name]
              [-C socket] [-I interval] [-D deadtime] [-E lease] [-A attempts]
       hastmon -S [-d] [-c config] [-R trials] [-r seed] [-H hours] [-p loss] [-g pause] [-x scripts]
  -A attempts   without a configuration file: as 'attempts' (default ${DEFAULT_ATTEMPTS})
  -c config     configuration file (default ${DEFAULT_CONFIG_PATH}); when the default
                file does not exist, hastmon runs one resource 'service' with the scripts of -s
  -C socket     without a configuration file: the control socket (default ${DEFAULT_CONTROL_SOCKET}),
                so that a second node can run on the same host (with -l, -P and -N)
  -d            print debugging information; repeat for more
  -D deadtime   without a configuration file: as 'deadtime' (e.g. 3s)
  -E lease      without a configuration file: as 'lease' (e.g. 3s)
  -F            stay in the foreground
  -g pause      with -S: each node's process pauses in the soak, LENGTH[/EVERY]
                (default ${formatDuration(DEFAULT_PAUSES.length)}/${DEFAULT_PAUSES.every / 60_000}m; 0 for none)
  -h            print this help
  -H hours      with -S: simulated hours of soak (default: ${DEFAULT_SOAK_DELIVERIES} heartbeats between the
                nodes: 2 hours for three nodes at the default heartbeat_interval)
  -I interval   without a configuration file: as 'heartbeat_interval' (e.g. 200ms, 1s)
  -k            print a new random key section for hastmon.conf, and exit
  -l statefile  state file (default ${DEFAULT_STATE_FILE})
  -L logfile    log to this file instead of syslog (or stderr with -F);
                hastmonctl reopen-log opens it again after a rotation
  -m            force this node to start its resources now, without asking the others
  -n nodes      without a configuration file: the number of nodes in the cluster (default ${DEFAULT_EXPECTED_NODES})
  -N name       this node's name (default: the host name up to the first dot)
  -p loss       with -S: loss on every link in the soak, 0.05 or 5% (default ${DEFAULT_LOSS * 100}%)
  -P pidfile    pid file (default ${DEFAULT_PID_FILE})
  -r seed       with -S: replay one seed: one trial of each kind and one soak run (add -d for a trace)
  -R trials     with -S: seeded trials of each kind (default ${DEFAULT_TRIALS})
  -s scriptdir  without a configuration file: the directory of starthasrv, monitorhasrv
                and stophasrv (default ${DEFAULT_SCRIPT_DIR})
  -S            simulate every node of the configuration and print what to expect: failover
                and handover times, outage and self-fences in a soak, any safety violation
  -t            check the configuration and exit
  -x scripts    with -S: how long the start and stop scripts take, START/STOP
                (default ${formatDuration(DEFAULT_SCRIPT_TIMES.start)}/${formatDuration(DEFAULT_SCRIPT_TIMES.stop)})
`;

export { HASTMON_GETOPT } from './hastmon-getopt.js';

export function parseHastmonArgs(argv: readonly string[]): ArgsResult {
  const parsed = getopt(argv, HASTMON_GETOPT);
  if (!parsed.ok) return parsed;
  if (parsed.operands.length > 0) return { ok: false, message: `unexpected argument '${parsed.operands[0] as string}'` };
  const tuning: FreehadTuning = {};
  const args: HastmonArgs = { check: false, help: false, generateKey: false, foreground: false, forceStart: false, debug: 0, tuning };
  let simulate = false;
  const whatIf: WhatIfArgs = { repeat: [] };
  for (const { letter, value } of parsed.options) {
    const text = value ?? '';
    switch (letter) {
      case 'd':
        args.debug += 1;
        break;
      case 'F':
        args.foreground = true;
        break;
      case 'h':
        args.help = true;
        break;
      case 'k':
        args.generateKey = true;
        break;
      case 'm':
        args.forceStart = true;
        break;
      case 't':
        args.check = true;
        break;
      case 'S':
        simulate = true;
        break;
      case 'c':
        args.configPath = text;
        break;
      case 'P':
        args.pidFile = text;
        break;
      case 'L':
        args.logFile = text;
        break;
      case 'l':
        args.stateFile = text;
        break;
      case 's':
        args.scriptDir = text;
        break;
      case 'n': {
        const nodes = /^[1-9]\d{0,3}$/.test(text) ? Number(text) : NaN;
        if (Number.isNaN(nodes)) return { ok: false, message: `bad node count '${text}' for -n: expected a whole number from 1 to 9999` };
        args.expectedNodes = nodes;
        break;
      }
      case 'N':
        if (!/^[^\s/]+$/.test(text)) return { ok: false, message: `bad node name '${text}' for -N: expected a name without spaces or slashes` };
        args.nodeName = text;
        break;
      default: {
        const wrong = WHAT_IF_LETTERS.includes(letter) ? whatIfOption(whatIf, letter, text) : tune(tuning, letter, text);
        if (wrong !== null) return { ok: false, message: wrong };
      }
    }
  }
  const onlyWithS = parsed.options.find((o) => WHAT_IF_LETTERS.includes(o.letter));
  if (!simulate && onlyWithS !== undefined) return { ok: false, message: `-${onlyWithS.letter} goes with -S (simulate)` };
  if (simulate) {
    const other = parsed.options.find((o) => 'tkm'.includes(o.letter));
    if (other !== undefined) return { ok: false, message: `-S (simulate) cannot be combined with -${other.letter}` };
    args.whatIf = whatIf;
  }
  const timing = freehadTiming(tuning);
  if (!timing.ok) return { ok: false, message: `${timing.message} (-I, -D, -E)` };
  return { ok: true, args };
}

/** The flag names its setting, so that the configuration's message reads right for it. */
const TUNING_FLAGS: Record<string, string> = { A: '-A', C: '-C', D: '-D (deadtime)', E: '-E (lease)', I: '-I (heartbeat_interval)' };

/** Sets one tuning flag; what is wrong with its value, or null. */
function tune(tuning: FreehadTuning, letter: string, text: string): string | null {
  const flag = TUNING_FLAGS[letter] ?? `-${letter}`;
  if (letter === 'C') {
    const path = parseAbsolutePath(text, flag);
    if (!path.ok) return path.message;
    tuning.control = path.value;
    return null;
  }
  if (letter === 'A') {
    const count = parseCount(text, flag, 1);
    if (!count.ok) return count.message;
    tuning.attempts = count.value;
    return null;
  }
  const time = parseDuration(text, flag);
  if (!time.ok) return time.message;
  if (time.value <= 0) return `bad time '${text}' for ${flag}: expected more than 0`;
  if (letter === 'I') tuning.heartbeatInterval = time.value;
  else if (letter === 'D') tuning.deadtime = time.value;
  else tuning.lease = time.value;
  return null;
}
