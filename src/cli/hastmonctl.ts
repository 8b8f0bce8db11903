// The hastmonctl command: `hastmonctl [-c config] [-N name] [-s socket] command [arguments]`,
// one request to the daemon over its control socket, the answer on stdout, sysexits(3) statuses.
import { DEFAULT_CONFIG_PATH, DEFAULT_CONTROL_SOCKET, DEFAULT_OFFLINE_MS } from '../config/defaults.js';
import { sendRequest, type TransportErrorKind } from '../io/control-client.js';
import { EX_PROTOCOL, MAX_OFFLINE_SECONDS, type ControlRequest, type ResourceSelection } from '../io/control-protocol.js';
import { ROLES, type Role } from '../core/types.js';
import { parseHastmonArgs } from './args.js';
import { configure } from './configure.js';
import { EX_NOPERM, EX_OK, EX_SOFTWARE, EX_TEMPFAIL, EX_UNAVAILABLE, EX_USAGE } from './exit-codes.js';
import { getopt } from './getopt.js';
import { shortHostname } from './node-name.js';
import { formatStatus } from './status-format.js';

const USAGE = `usage: hastmonctl [-c config] [-N name] [-s socket] command [arguments]
  status [all|resource ...] [--json]     show the resources as this node sees them
  role init|primary|secondary|watchdog all|resource ...
                                         change this node's role for the resources
  offline [seconds] [all|resource ...]   release the resources and refuse to hold them
                                         for a while (default ${DEFAULT_OFFLINE_MS / 1000} s)
  clear [all|resource ...]               clear ERRORED: eligible again (as kill -USR2)
  reload                                 re-read the configuration file
  help                                   print this help
  -c config  the configuration naming the control socket (default ${DEFAULT_CONFIG_PATH})
  -N name    this node's name in it (default: the host name up to the first dot)
  -s socket  the control socket, without reading the configuration
             (default: 'control' in the configuration, else ${DEFAULT_CONTROL_SOCKET})
`;

/** Long enough for a daemon busy reloading, short enough for an operator waiting at a prompt. */
const REQUEST_TIMEOUT_MS = 10_000;

const TRANSPORT_EXIT: Record<TransportErrorKind, number> = {
  'not-running': EX_UNAVAILABLE,
  permission: EX_NOPERM,
  timeout: EX_TEMPFAIL,
  protocol: EX_PROTOCOL,
};

interface Invocation {
  socket?: string;
  configPath?: string;
  nodeName?: string;
  action: { kind: 'help' } | { kind: 'request'; request: ControlRequest; json: boolean };
}

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

function usageError<T>(message: string): Parsed<T> {
  return { ok: false, message };
}

/** No names means every resource; `all` stands alone. */
function selection(names: readonly string[], command: string): Parsed<ResourceSelection> {
  const option = names.find((name) => name.startsWith('-'));
  if (option !== undefined) return usageError(`unknown option '${option}' for ${command}`);
  if (names.length === 0) return { ok: true, value: 'all' };
  if (names.includes('all')) {
    return names.length === 1 ? { ok: true, value: 'all' } : usageError(`'all' cannot be combined with resource names`);
  }
  return { ok: true, value: [...names] };
}

function parseCommand(operands: readonly string[]): Parsed<Invocation['action']> {
  const [command, ...rest] = operands;
  const request = (value: Parsed<ControlRequest>, json = false): Parsed<Invocation['action']> =>
    value.ok ? { ok: true, value: { kind: 'request', request: value.value, json } } : value;
  const withResources = <T>(names: readonly string[], make: (resources: ResourceSelection) => T): Parsed<T> => {
    const resources = selection(names, command as string);
    return resources.ok ? { ok: true, value: make(resources.value) } : resources;
  };
  switch (command) {
    case undefined:
      return usageError('missing command');
    case 'help':
      return { ok: true, value: { kind: 'help' } };
    case 'status': {
      const names = rest.filter((word) => word !== '--json');
      return request(withResources(names, (resources) => ({ command: 'status', resources })), names.length < rest.length);
    }
    case 'role': {
      const [role, ...names] = rest;
      if (role === undefined || !(ROLES as readonly string[]).includes(role)) {
        return usageError(`role: expected one of ${ROLES.join(', ')}${role === undefined ? '' : `, not '${role}'`}`);
      }
      if (names.length === 0) return usageError(`role: name the resources, or 'all'`);
      return request(withResources(names, (resources) => ({ command: 'role', role: role as Role, resources })));
    }
    case 'offline': {
      const [first, ...others] = rest;
      if (first === undefined || !/^\d+$/.test(first)) {
        return request(withResources(rest, (resources) => ({ command: 'offline', resources })));
      }
      const seconds = Number(first);
      if (seconds < 1 || seconds > MAX_OFFLINE_SECONDS) return usageError(`offline: seconds must be from 1 to ${MAX_OFFLINE_SECONDS}, not ${first}`);
      return request(withResources(others, (resources) => ({ command: 'offline', seconds, resources })));
    }
    case 'clear':
      return request(withResources(rest, (resources) => ({ command: 'clear', resources })));
    case 'reload':
      if (rest.length > 0) return usageError(`reload takes no arguments`);
      return request({ ok: true, value: { command: 'reload' } });
    default:
      return usageError(`unknown command '${command}'`);
  }
}

function parseArguments(argv: readonly string[]): Parsed<Invocation> {
  const parsed = getopt(argv, { flags: 'h', withArgument: 'cNs' });
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
async function socketPath(invocation: Invocation): Promise<SocketPath> {
  if (invocation.socket !== undefined) return { ok: true, path: invocation.socket };
  // hastmon's own flag parser, so that -c and -N follow exactly the same rules in both commands.
  const args = parseHastmonArgs([
    ...(invocation.configPath === undefined ? [] : ['-c', invocation.configPath]),
    ...(invocation.nodeName === undefined ? [] : ['-N', invocation.nodeName]),
  ]);
  if (!args.ok) return { ok: false, code: EX_USAGE, messages: [args.message] };
  const configured = await configure(args.args, { defaultConfigPath: DEFAULT_CONFIG_PATH, defaultNodeName: shortHostname() });
  if (!configured.ok) {
    return { ok: false, code: configured.code, messages: [...configured.messages, 'give the control socket with -s to do without the configuration'] };
  }
  return { ok: true, path: configured.config.control };
}

/** Every line of a message starts with the command's name, as the daemon's may have several. */
function complain(message: string): void {
  process.stderr.write(
    message
      .split('\n')
      .map((line) => `hastmonctl: ${line}\n`)
      .join(''),
  );
}

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseArguments(argv);
  if (!parsed.ok) {
    complain(parsed.message);
    process.stderr.write(USAGE);
    return EX_USAGE;
  }
  const invocation = parsed.value;
  const action = invocation.action;
  if (action.kind === 'help') {
    process.stdout.write(USAGE);
    return EX_OK;
  }
  const socket = await socketPath(invocation);
  if (!socket.ok) {
    complain(socket.messages.join('\n'));
    return socket.code;
  }
  const response = await sendRequest(socket.path, action.request, REQUEST_TIMEOUT_MS);
  if ('transportError' in response) {
    complain(response.message);
    return TRANSPORT_EXIT[response.transportError];
  }
  if (!response.ok) {
    complain(response.message);
    return response.exitCode;
  }
  if (action.request.command === 'status') {
    if (response.status === undefined) {
      complain(`garbled answer from hastmon at ${socket.path}: no status in the answer to status`);
      return EX_PROTOCOL;
    }
    process.stdout.write(action.json ? `${JSON.stringify(response.status, null, 2)}\n` : formatStatus(response.status));
  } else if (response.message !== undefined && response.message !== '') {
    process.stdout.write(`${response.message}\n`);
  }
  return EX_OK;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    complain(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = EX_SOFTWARE;
  },
);
