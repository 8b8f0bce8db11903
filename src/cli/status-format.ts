// `hastmonctl status` in the format of HASTMON's README, line for line, so that scripts written
// for it (`grep -q '^ *role: *primary *$'`) keep working. hastmon's own lines come after
// HASTMON's in each block, and a node-wide line after all blocks.
import type { EtcdStatus, GatewayStatus, RemoteStatus, ResourceStatus, StatusDocument } from '../io/control-protocol.js';
import { describeEtcdConnection, describeEtcdKey } from '../io/etcd/etcd-words.js';

/** HASTMON's state words; a watchdog that is watching shows `run`, as in the README. */
const STATE_WORDS: Record<string, string> = {
  RUNNING: 'run',
  STANDBY: 'stopped',
  STARTING: 'starting',
  STOPPING: 'stopping',
  INITIAL: 'init',
  ERRORED: 'errored',
  WATCHING: 'run',
  TIMEDOUT: 'timedout',
  UNKNOWN: 'unknown',
};

export function stateWord(state: string): string {
  return STATE_WORDS[state] ?? state.toLowerCase();
}

/** Seconds as HASTMON prints them: `10`, `0.2`; rounded to the millisecond against float noise. */
export function formatSeconds(seconds: number): string {
  return String(Math.round(seconds * 1000) / 1000);
}

/** A watchdog sees each peer's role and state; the others only whether the link is up. */
function formatRemote(remote: RemoteStatus, watchdog: boolean): string {
  if (!remote.connected) return `${remote.address}(disconnected)`;
  if (!watchdog) return `${remote.address}(connected)`;
  const state = remote.state === null ? 'unknown' : stateWord(remote.state);
  return `${remote.address}(${remote.role ?? 'unknown'}/${state})`;
}

/** A block is one line per field: a line break inside a value would forge a field. */
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

function formatResource(resource: ResourceStatus, etcd: EtcdStatus | null): string[] {
  const key = etcd?.resources.find((r) => r.name === resource.name);
  const watchdog = resource.configuredRole === 'watchdog';
  const remotes = resource.remotes.map((remote) => formatRemote(remote, watchdog)).join(' ');
  const reason = oneLine(resource.reason);
  return [
    `${resource.name}:`,
    `  role: ${resource.role}`,
    `  exec: ${resource.exec}`,
    `  remoteaddr: ${remotes === '' ? 'none' : remotes}`,
    `  state: ${stateWord(resource.state)}`,
    `  attempts: ${resource.attempts} from ${resource.maxAttempts}`,
    `  complaints: ${resource.complaints} for last ${formatSeconds(resource.complaintIntervalSec)} sec (threshold ${resource.complaintThreshold})`,
    `  heartbeat: ${formatSeconds(resource.heartbeatSec)} sec`,
    `  holder: ${resource.holder === '' ? 'none' : resource.holder} (quorum ${resource.quorum} of ${resource.voters})`,
    `  reason: ${reason === '' ? 'none' : reason}`,
    ...(resource.configuredRole === resource.role ? [] : [`  configured role: ${resource.configuredRole}`]),
    ...(resource.forced ? ['  forced: started here without asking anyone (USR1 or -m)'] : []),
    ...(resource.offlineSec > 0 ? [`  offline: ${resource.offlineSec} sec left`] : []),
    ...(key === undefined || etcd === null ? [] : [`  etcd: ${describeEtcdKey(key, etcd.lastError)}`]),
  ];
}

function formatGateway(gateway: GatewayStatus): string {
  const state = gateway.reachable === null ? 'not checked yet' : gateway.reachable ? 'reachable' : 'unreachable';
  return `gateway: ${gateway.address} ${state}`;
}

export function formatStatus(doc: StatusDocument): string {
  const lines = doc.resources.flatMap((resource) => formatResource(resource, doc.etcd));
  if (doc.gateway !== null) lines.push(formatGateway(doc.gateway));
  if (doc.etcd !== null) lines.push(`etcd: ${describeEtcdConnection(doc.etcd.endpoint, doc.etcd.connected, doc.etcd.lastError)}`);
  const drops = doc.drops.filter((drop) => drop.count > 0);
  if (drops.length > 0) lines.push(`dropped heartbeats: ${drops.map((drop) => `${drop.count} ${drop.reason}`).join(', ')}`);
  return lines.map((line) => `${line}\n`).join('');
}
