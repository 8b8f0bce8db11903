// The hastmonctl command: `hastmonctl [-c config] [-N name] [-s socket] command [arguments]`,
// one request to the daemon over its control socket, the answer on stdout, sysexits(3) statuses.
// Importing this module does nothing: bin/hastmonctl calls runCtl with the process's own io.
import { DEFAULT_CONFIG_PATH, DEFAULT_CONTROL_SOCKET, DEFAULT_OFFLINE_MS } from '../config/defaults.js';
import { sendRequest, type TransportErrorKind } from '../io/control-client.js';
import { EX_PROTOCOL, MAX_OFFLINE_SECONDS, type ControlRequest, type ResourceSelection } from '../io/control-protocol.js';
import { ROLES, type Role } from '../core/types.js';
import { parseDuration } from '../config/values.js';
import { parseHastmonArgs } from './args.js';
import { configure } from './configure.js';
import { EX_NOPERM, EX_OK, EX_SOFTWARE, EX_TEMPFAIL, EX_UNAVAILABLE, EX_USAGE } from './exit-codes.js';
import { getopt, type GetoptSpec } from './getopt.js';
import { shortHostname } from './node-name.js';
import { formatStatus } from './status-format.js';
import { formatEvents } from './events-format.js';

/** What hastmonctl needs from its process; tests give their own. */
export interface CtlIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** The configuration read when neither -s nor -c is given. */
  defaultConfigPath: string;
  /** This node's name when -N is not given. */
  defaultNodeName: string;
  /** How long to wait for the daemon's answer. */
  requestTimeoutMs: number;
}

/** Long enough for a daemon busy reloading, short enough for an operator waiting at a prompt. */
export const REQUEST_TIMEOUT_MS = 10_000;

/** The io of the running process: its stdout and stderr, the default file, the host name. */
export function processIo(): CtlIo {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    defaultConfigPath: DEFAULT_CONFIG_PATH,
    defaultNodeName: shortHostname(),
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
  };
}

/** `hastmonctl events` without -n: a screenful, enough to see the last failover or two. */
export const DEFAULT_EVENTS_SHOWN = 20;

/** hastmonctl's own options; the letters `parseArguments` reads, and hastmonctl(8) documents. */
export const HASTMONCTL_GETOPT: Readonly<GetoptSpec> = { flags: 'h', withArgument: 'cNs' };

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

type Action = { kind: 'help' } | { kind: 'request'; request: ControlRequest; json: boolean };

function usageError<T>(message: string): Parsed<T> {
  return { ok: false, message };
}

const requestAction = (request: ControlRequest, json = false): Parsed<Action> => ({ ok: true, value: { kind: 'request', request, json } });

/** No names means every resource; `all` stands alone; a word starting with '-' is an unknown option. */
function selection(names: readonly string[], command: string): Parsed<ResourceSelection> {
  const option = names.find((name) => name.startsWith('-'));
  if (option !== undefined) return usageError(`unknown option '${option}' for ${command}`);
  if (names.length === 0) return { ok: true, value: 'all' };
  if (names.includes('all')) {
    return names.length === 1 ? { ok: true, value: 'all' } : usageError(`'all' cannot be combined with resource names`);
  }
  return { ok: true, value: [...names] };
}

/** The resources named by `names`, made into a request by `make`. */
function withResources(names: readonly string[], command: string, make: (resources: ResourceSelection) => ControlRequest, json = false): Parsed<Action> {
  const resources = selection(names, command);
  return resources.ok ? requestAction(make(resources.value), json) : resources;
}

/** `-n N` or `-nN`, a whole number of 1 or more; nothing else. */
function eventsCount(words: readonly string[]): Parsed<number> {
  let text: string | undefined;
  if (words.length === 0) return { ok: true, value: DEFAULT_EVENTS_SHOWN };
  const [first, second, ...rest] = words;
  if (first === '-n') {
    if (second === undefined) return usageError(`events: -n needs a count`);
    text = second;
    if (rest.length > 0) return usageError(`events: unexpected '${rest[0] ?? ''}'`);
  } else if (first !== undefined && first.startsWith('-n') && first.length > 2) {
    text = first.slice(2);
    if (second !== undefined) return usageError(`events: unexpected '${second}'`);
  } else {
    return usageError(first?.startsWith('-') === true ? `unknown option '${first}' for events` : `events: unexpected '${first ?? ''}'`);
  }
  const count = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(count) || count < 1) return usageError(`events: -n takes a whole number of 1 or more, not '${text}'`);
  return { ok: true, value: count };
}

export interface CtlCommand {
  /** The command's lines in the usage message. */
  readonly usage: string;
  /** The long options it takes among its arguments, anywhere after its name. */
  readonly options: readonly string[];
  /** `words` are its arguments without its long options; `options` those of them given. */
  readonly parse: (words: readonly string[], options: ReadonlySet<string>) => Parsed<Action>;
}

/** Every command hastmonctl knows, in the order of the usage message: the parser looks commands up here. */
export const HASTMONCTL_COMMANDS: Readonly<Record<string, CtlCommand>> = {
  status: {
    usage: '  status [all|resource ...] [--json]     show the resources as this node sees them\n',
    options: ['--json'],
    parse: (words, options) => withResources(words, 'status', (resources) => ({ command: 'status', resources }), options.has('--json')),
  },
  role: {
    usage:
      '  role init|primary|secondary|watchdog all|resource ...\n' +
      "                                         change this node's role for the resources\n",
    options: [],
    parse: ([role, ...names]) => {
      if (role === undefined || !(ROLES as readonly string[]).includes(role)) {
        return usageError(`role: expected one of ${ROLES.join(', ')}${role === undefined ? '' : `, not '${role}'`}`);
      }
      if (names.length === 0) return usageError(`role: name the resources, or 'all'`);
      return withResources(names, 'role', (resources) => ({ command: 'role', role: role as Role, resources }));
    },
  },
  offline: {
    usage:
      '  offline [time] [all|resource ...]      release the resources and refuse to hold them\n' +
      `                                         for a while: 90, 90s, 2m, 1h (default ${DEFAULT_OFFLINE_MS / 1000} s)\n`,
    options: [],
    parse: (words) => {
      const [first, ...others] = words;
      // A word that reads as a time is the time, in the configuration's units; a bare number is seconds.
      const time = first === undefined ? undefined : parseDuration(first, 'offline');
      if (time === undefined || !time.ok) return withResources(words, 'offline', (resources) => ({ command: 'offline', resources }));
      const seconds = time.value / 1000;
      if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_OFFLINE_SECONDS) {
        return usageError(`offline: the time must be whole seconds from 1 s to ${MAX_OFFLINE_SECONDS} s, not ${first}`);
      }
      return withResources(others, 'offline', (resources) => ({ command: 'offline', seconds, resources }));
    },
  },
  clear: {
    usage: '  clear [all|resource ...]               clear ERRORED: eligible again (as kill -USR2)\n',
    options: [],
    parse: (words) => withResources(words, 'clear', (resources) => ({ command: 'clear', resources })),
  },
  reload: {
    usage: '  reload                                 re-read the configuration file\n',
    options: [],
    parse: (words) => (words.length > 0 ? usageError(`reload takes no arguments`) : requestAction({ command: 'reload' })),
  },
  events: {
    usage:
      '  events [-n count] [--json]             the last state and holder changes seen here\n' +
      `                                         (default ${DEFAULT_EVENTS_SHOWN}), oldest first\n`,
    options: ['--json'],
    parse: (words, options) => {
      const limit = eventsCount(words);
      return limit.ok ? requestAction({ command: 'events', limit: limit.value }, options.has('--json')) : limit;
    },
  },
  'reopen-log': {
    usage: '  reopen-log                             open the log file (-L) again, after a rotation\n',
    options: [],
    parse: (words) => (words.length > 0 ? usageError(`reopen-log takes no arguments`) : requestAction({ command: 'reopen-log' })),
  },
  help: {
    usage: '  help                                   print this help\n',
    options: [],
    parse: () => ({ ok: true, value: { kind: 'help' } }),
  },
};

export const HASTMONCTL_USAGE =
  'usage: hastmonctl [-c config] [-N name] [-s socket] command [arguments]\n' +
  Object.values(HASTMONCTL_COMMANDS)
    .map((command) => command.usage)
    .join('') +
  `  -c config  the configuration naming the control socket (default ${DEFAULT_CONFIG_PATH})
  -N name    this node's name in it (default: the host name up to the first dot)
  -s socket  the control socket, without reading the configuration
             (default: 'control' in the configuration, else ${DEFAULT_CONTROL_SOCKET})
`;

/** Every way the daemon can fail to answer, and the status hastmonctl then exits with. */
export const TRANSPORT_EXIT: Readonly<Record<TransportErrorKind, number>> = {
  'not-running': EX_UNAVAILABLE,
  permission: EX_NOPERM,
  timeout: EX_TEMPFAIL,
  dropped: EX_TEMPFAIL,
  protocol: EX_PROTOCOL,
};

/**
 * The statuses hastmonctl ends with on its own account, the only ones runCtl returns besides
 * TRANSPORT_EXIT's, configure()'s and the status of the daemon's refusal.
 */
export const HASTMONCTL_EXIT = {
  /** The daemon did what was asked, or help was asked for. */
  done: EX_OK,
  /** A bad flag, command or argument (a -N name hastmon would refuse, too). */
  usage: EX_USAGE,
  /** An answer to status or events without its document. */
  garbled: EX_PROTOCOL,
  /** A bug: an exception escaped. */
  internal: EX_SOFTWARE,
} as const;

interface Invocation {
  socket?: string;
  configPath?: string;
  nodeName?: string;
  action: Action;
}

function parseCommand(operands: readonly string[]): Parsed<Action> {
  const [name, ...rest] = operands;
  if (name === undefined) return usageError('missing command');
  if (!Object.hasOwn(HASTMONCTL_COMMANDS, name)) return usageError(`unknown command '${name}'`);
  const command = HASTMONCTL_COMMANDS[name] as CtlCommand;
  const given = new Set(rest.filter((word) => command.options.includes(word)));
  return command.parse(
    rest.filter((word) => !given.has(word)),
    given,
  );
}

function parseArguments(argv: readonly string[]): Parsed<Invocation> {
  const parsed = getopt(argv, HASTMONCTL_GETOPT);
  if (!parsed.ok) return parsed;
  const invocation: Omit<Invocation, 'action'> = {};
  let help = false;
  for (const { letter, value } of parsed.options) {
    if (letter === 'h') help = true;
    else if (letter === 's') invocation.socket = value ?? '';
    else if (letter === 'c') invocation.configPath = value ?? '';
    else invocation.nodeName = value ?? '';
  }
  if (help) return { ok: true, value: { ...invocation, action: { kind: 'help' } } };
  const action = parseCommand(parsed.operands);
  return action.ok ? { ok: true, value: { ...invocation, action: action.value } } : action;
}

type SocketPath = { ok: true; path: string } | { ok: false; code: number; messages: string[] };

/** `-s`, else `control` from this node's configuration (the default when there is no file). */
async function socketPath(invocation: Invocation, io: CtlIo): Promise<SocketPath> {
  if (invocation.socket !== undefined) return { ok: true, path: invocation.socket };
  // hastmon's own flag parser, so that -c and -N follow exactly the same rules in both commands.
  const args = parseHastmonArgs([
    ...(invocation.configPath === undefined ? [] : ['-c', invocation.configPath]),
    ...(invocation.nodeName === undefined ? [] : ['-N', invocation.nodeName]),
  ]);
  if (!args.ok) return { ok: false, code: HASTMONCTL_EXIT.usage, messages: [args.message] };
  const configured = await configure(args.args, { defaultConfigPath: io.defaultConfigPath, defaultNodeName: io.defaultNodeName });
  if (!configured.ok) {
    return { ok: false, code: configured.code, messages: [...configured.messages, 'give the control socket with -s to do without the configuration'] };
  }
  return { ok: true, path: configured.config.control };
}

/** Every line of a message starts with the command's name, as the daemon's may have several. */
function complain(io: CtlIo, message: string): void {
  io.stderr(
    message
      .split('\n')
      .map((line) => `hastmonctl: ${line}\n`)
      .join(''),
  );
}

async function run(argv: readonly string[], io: CtlIo): Promise<number> {
  const parsed = parseArguments(argv);
  if (!parsed.ok) {
    complain(io, parsed.message);
    io.stderr(HASTMONCTL_USAGE);
    return HASTMONCTL_EXIT.usage;
  }
  const invocation = parsed.value;
  const action = invocation.action;
  if (action.kind === 'help') {
    io.stdout(HASTMONCTL_USAGE);
    return HASTMONCTL_EXIT.done;
  }
  const socket = await socketPath(invocation, io);
  if (!socket.ok) {
    complain(io, socket.messages.join('\n'));
    return socket.code;
  }
  const response = await sendRequest(socket.path, action.request, io.requestTimeoutMs);
  if ('transportError' in response) {
    complain(io, response.message);
    return TRANSPORT_EXIT[response.transportError];
  }
  if (!response.ok) {
    complain(io, response.message);
    return response.exitCode;
  }
  if (action.request.command === 'status') {
    if (response.status === undefined) {
      complain(io, `garbled answer from hastmon at ${socket.path}: no status in the answer to status`);
      return HASTMONCTL_EXIT.garbled;
    }
    io.stdout(action.json ? `${JSON.stringify(response.status, null, 2)}\n` : formatStatus(response.status));
  } else if (action.request.command === 'events') {
    if (response.events === undefined) {
      complain(io, `garbled answer from hastmon at ${socket.path}: no events in the answer to events`);
      return HASTMONCTL_EXIT.garbled;
    }
    io.stdout(action.json ? `${JSON.stringify(response.events, null, 2)}\n` : formatEvents(response.events));
  } else if (response.message !== undefined && response.message !== '') {
    io.stdout(`${response.message}\n`);
  }
  return HASTMONCTL_EXIT.done;
}

/** Runs hastmonctl with the arguments after the command name; resolves to its exit status. */
export async function runCtl(argv: readonly string[], io: CtlIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error: unknown) {
    complain(io, `internal error: ${error instanceof Error ? error.message : String(error)}`);
    return HASTMONCTL_EXIT.internal;
  }
}
