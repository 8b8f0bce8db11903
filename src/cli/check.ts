// `hastmon -t`: every check the daemon makes at start that needs no network, made with the
// daemon's own code where it has one, so that "configuration OK" means the daemon will start.
import { lstatSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { NodeConfig } from '../config/model.js';
import { etcdTtlMs } from '../core/quorum.js';
import { isIP } from 'node:net';
import { isLoopback } from '../config/exposure.js';
import { LOOKUP_TIMEOUT_MS, type LookupAll } from '../io/name-resolver.js';
import { checkStartScripts } from '../io/script-check.js';
import { within } from '../io/within.js';

/** Each problem on a line of its own; none when the daemon would start with `config`. */
export function checkBeforeStart(config: NodeConfig): string[] {
  return [...checkStartScripts(config), ...checkKeyFile(config), ...checkEtcdFiles(config), ...checkControlPath(config.control)];
}

/** The daemon reads etcd's TLS files at start. */
function checkEtcdFiles(config: NodeConfig): string[] {
  const etcd = config.etcd;
  if (etcd === null) return [];
  const problems: string[] = [];
  for (const [what, path] of [['ca', etcd.ca], ['cert', etcd.cert], ['key', etcd.key]] as const) {
    if (path === null) continue;
    try {
      readFileSync(path);
    } catch (error) {
      problems.push(`cannot read the etcd ${what} file ${path}: ${(error as Error).message}`);
    }
  }
  return problems;
}

/** What -t says of etcd, when configured: it is a voter, and with which key and TTL. */
export function etcdSummary(config: NodeConfig): string {
  const etcd = config.etcd;
  if (etcd === null) return '';
  const ttl = etcdTtlMs(config.timing.lease) / 1_000;
  return (
    `etcd: one more voter of every resource, at ${etcd.endpoints.map((e) => e.url).join(' ')}; ` +
    `keys ${etcd.prefix}RESOURCE/holder with a lease TTL of ${ttl} s${etcd.auth === null ? '' : `, as user ${etcd.auth.user}`}\n`
  );
}

/**
 * Names of peers and friends that do not resolve now. Only warnings: the daemon starts without
 * them and keeps trying (boot order is not the operator's to choose), but a typo shows here.
 */
export async function unresolvedNames(config: NodeConfig, lookup: LookupAll): Promise<string[]> {
  const names = new Map<string, string>();
  for (const r of config.remotes) if (isIP(r.host) === 0) names.set(r.host, 'remote');
  for (const resource of config.resources) for (const r of resource.remotes) if (isIP(r.host) === 0) names.set(r.host, 'remote');
  for (const friend of config.friends) if (isIP(friend) === 0) names.set(friend, 'friend');
  const warnings: string[] = [];
  for (const [name, what] of names) {
    const failure = await lookupFailure(name, lookup);
    if (failure !== undefined) warnings.push(`${what} '${name}' does not resolve now (${failure}); the daemon will start without it and keep trying`);
  }
  return warnings;
}

async function lookupFailure(name: string, lookup: LookupAll): Promise<string | undefined> {
  try {
    const addresses = await within(lookup(name), LOOKUP_TIMEOUT_MS, 'lookup');
    return addresses.length > 0 ? undefined : 'no address';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  }
}

/** The daemon reads `secret_file` before it binds anything. */
function checkKeyFile(config: NodeConfig): string[] {
  const key = config.key;
  if (key === null || key.source !== 'secret_file') return [];
  try {
    readFileSync(key.path, 'utf8');
    return [];
  } catch (error) {
    return [`cannot read the key file ${key.path}: ${(error as Error).message}`];
  }
}

/** The daemon makes the control socket in its directory and never removes anything but a socket there. */
function checkControlPath(path: string): string[] {
  const directory = dirname(path);
  try {
    if (!statSync(directory).isDirectory()) return [`control socket ${path}: ${directory} is not a directory`];
  } catch {
    return [`control socket ${path}: its directory ${directory} does not exist`];
  }
  try {
    if (!lstatSync(path).isSocket()) return [`control socket ${path}: ${path} exists and is not a socket; move it away or set another 'control' path`];
  } catch {
    // Nothing there yet: the daemon makes it.
  }
  return [];
}

/** What `-t` says of the HTTP listener, when one is configured: where, and who can reach it. */
export function httpSummary(config: Pick<NodeConfig, 'http'>): string | null {
  if (config.http === null) return null;
  const reach = isLoopback(config.http.host)
    ? 'loopback only'
    : "reachable beyond this host: whoever reaches it sees the cluster's state";
  return `http: read-only metrics and status on ${config.http.text} (${reach})\n`;
}

/** What `-t` says of freehad mode, so that no one mistakes it for a file that was read. */
export function freehadSummary(defaultConfigPath: string, config: NodeConfig): string {
  const [service] = config.resources;
  const scripts = service?.scripts.kind === 'scripts' ? service.scripts.dir : '?';
  const expected = config.peers.kind === 'discovered' ? config.peers.expectedNodes : config.peers.nodes.length;
  return (
    `no configuration file at ${defaultConfigPath}: hastmon will run in freehad mode, ` +
    `resource '${service?.name ?? '?'}' with the scripts in ${scripts}, peers found by multicast, ${expected} nodes expected\n`
  );
}
