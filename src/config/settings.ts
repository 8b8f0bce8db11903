// The arguments of each one-line keyword, parsed into its value.
import { parseControlPath, parseEndpoint, parseFriend, parseHttpAddress, parseListenAddress } from './address.js';
import { DEFAULT_PORT } from './defaults.js';
import type { SettingName, SettingValues } from './model.js';
import { fail, ok, parseAbsolutePath, parseChoice, parseCount, parseDuration, type Parsed } from './values.js';
import { ROLES } from '../core/types.js';

type LineSetting = Exclude<SettingName, 'key'>;
type SettingParser<K extends LineSetting> = (args: readonly string[], keyword: K) => Parsed<SettingValues[K]>;

function then<A, B>(parsed: Parsed<A>, next: (value: A) => Parsed<B>): Parsed<B> {
  return parsed.ok ? next(parsed.value) : parsed;
}

function single(args: readonly string[], keyword: string, what: string): Parsed<string> {
  const [first] = args;
  if (first === undefined) return fail(`missing argument: ${keyword} expects ${what}`);
  if (args.length > 1) return fail(`${keyword} takes one argument (${what}), found ${args.length}: '${args.join(' ')}'`);
  return ok(first);
}

function list<T>(args: readonly string[], keyword: string, what: string, each: (text: string) => Parsed<T>): Parsed<T[]> {
  if (args.length === 0) return fail(`missing argument: ${keyword} expects ${what}`);
  const values: T[] = [];
  for (const text of args) {
    const parsed = each(text);
    if (!parsed.ok) return parsed;
    values.push(parsed.value);
  }
  return ok(values);
}

const time =
  (allowZero: boolean) =>
  (args: readonly string[], keyword: string): Parsed<number> =>
    then(single(args, keyword, 'a time such as 200ms, 1s or 2m'), (text) =>
      then(parseDuration(text, keyword), (ms) =>
        ms > 0 || allowZero ? ok(ms) : fail(`${keyword} must be longer than 0, found '${text}'`),
      ),
    );

const count =
  (min: number) =>
  (args: readonly string[], keyword: string): Parsed<number> =>
    then(single(args, keyword, 'a number'), (text) => parseCount(text, keyword, min));

const path = (args: readonly string[], keyword: string): Parsed<string> =>
  then(single(args, keyword, 'an absolute path'), (text) => parseAbsolutePath(text, keyword));

const host = (text: string, keyword: string): Parsed<string> =>
  /^[^\s/]+$/.test(text) ? ok(text) : fail(`bad host '${text}' for ${keyword}: expected a host name or an IP address`);

export const SETTING_PARSERS: { [K in LineSetting]: SettingParser<K> } = {
  control: (args, keyword) => then(single(args, keyword, 'a socket path'), (text) => parseControlPath(text, keyword)),
  listen: (args, keyword) => then(single(args, keyword, 'an address (IP:port)'), (text) => parseListenAddress(text, keyword)),
  http: (args, keyword) => then(single(args, keyword, 'an address and port (127.0.0.1:9458 or [::1]:9458)'), (text) => parseHttpAddress(text, keyword)),
  state_file: path,
  timeout: time(false),
  exec: path,
  scripts: path,
  priority: count(0),
  attempts: count(1),
  heartbeat_interval: time(false),
  friends: (args, keyword) => list(args, keyword, 'one or more host names or addresses', (text) => parseFriend(text, keyword)),
  remote: (args, keyword) =>
    list(args, keyword, 'one or more addresses (host, host:port, udp://host:port)', (text) =>
      parseEndpoint(text, keyword, { defaultPort: DEFAULT_PORT }),
    ),
  complaint_count: count(1),
  complaint_interval: time(false),
  role_on_start: (args, keyword) =>
    then(single(args, keyword, 'a role'), (text) => parseChoice(text, 'role', ROLES)),
  deadtime: time(false),
  lease: time(false),
  monitor_interval: time(false),
  monitor_fall: count(1),
  local_restarts: count(0),
  failback: (args, keyword) =>
    then(single(args, keyword, 'auto or manual'), (text) => parseChoice(text, 'failback', ['auto', 'manual'] as const)),
  ping: (args, keyword) => then(single(args, keyword, 'an address'), (text) => host(text, keyword)),
  fence: path,
  shutdown_grace: time(true),
};
