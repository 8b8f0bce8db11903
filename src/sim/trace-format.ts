// Compact one-line renderings of inputs, effects and heartbeats for `--seed S` traces.

import { linkEnds, type NetworkCondition } from './faults.js';
import type { Effect, EtcdClaim, Heartbeat, Input, NodeView, ResourceState } from '../core/types.js';

const SHORT_STATE: Record<ResourceState, string> = {
  INITIAL: 'INI',
  STANDBY: 'STB',
  STARTING: 'STA',
  RUNNING: 'RUN',
  STOPPING: 'STP',
  ERRORED: 'ERR',
  WATCHING: 'WAT',
};

/** `r1:RUN>n1` per resource: state, then whom the sender endorses; flags after a slash. */
export function formatHeartbeat(heartbeat: Heartbeat): string {
  const resources = heartbeat.resources.map((r) => {
    const flags = `${r.eligible ? '' : 'i'}${r.yielding ? 'y' : ''}${r.forced ? 'f' : ''}${r.dirty ? 'd' : ''}`;
    return `${r.name}:${SHORT_STATE[r.state]}>${r.vote || '-'}${flags ? `/${flags}` : ''}`;
  });
  const leaving = heartbeat.leaving ? ' leaving' : '';
  return `${heartbeat.node}#${heartbeat.seq}@${heartbeat.sentAt.toFixed(1)}${leaving} [${resources.join(' ')}]`;
}

/** `describeRun` names a run by its id (the action is only known to whoever started it). */
export function formatInput(input: Input, describeRun: (runId: number) => string): string {
  switch (input.kind) {
    case 'tick':
      return 'tick';
    case 'heartbeat':
      return `hb ${formatHeartbeat(input.heartbeat)}`;
    case 'script-done': {
      const { code, timedOut } = input.outcome;
      return `done ${input.resource}#${input.runId} ${describeRun(input.runId)} ${timedOut ? 'timed-out' : `code=${code}`}`;
    }
    case 'command':
      return `command ${JSON.stringify(input.command)}`;
    case 'gateway':
      return `gateway ${input.reachable ? 'up' : 'down'}`;
    case 'etcd':
      return `etcd ${input.resource} ${formatClaim(input.claim)}`;
  }
}

export function formatEffect(effect: Effect): string {
  switch (effect.kind) {
    case 'send':
      return `send ${formatHeartbeat(effect.heartbeat)}`;
    case 'run-script':
      return `run ${effect.resource}#${effect.runId} ${effect.action}${effect.args.length > 0 ? ` ${effect.args.join(' ')}` : ''}`;
    case 'kill-script':
      return `kill ${effect.resource}#${effect.runId}`;
    case 'state-changed':
      return 'state';
    case 'event':
      return `event ${effect.resource} ${effect.subject} ${effect.from || '-'}->${effect.to || '-'}`;
    case 'log':
      return `log.${effect.level} "${effect.message}"`;
    case 'exit':
      return `exit ${effect.code}`;
    case 'etcd-want':
      return `etcd-want ${effect.resource} ${effect.want ? 'yes' : 'no'}`;
  }
}

/** `ours<=1234.5`, `theirs:n2#17`, `free`, `unreachable`. */
export function formatClaim(claim: EtcdClaim): string {
  switch (claim.status) {
    case 'ours':
      return `ours<=${claim.countsUntil.toFixed(1)}`;
    case 'theirs':
      return `theirs:${claim.node}#${claim.incarnation}`;
    default:
      return claim.status;
  }
}

/** `r1 RUN holder=n1` per resource, for state changes. */
export function formatView(view: NodeView): string {
  return view.resources.map((r) => `${r.name} ${SHORT_STATE[r.state]} holder=${r.holder || '-'}`).join(', ');
}

/** `split loss=0.10 dup=0.00 delay<=50 blocked=n1>w1,w1>n1`. */
export function formatCondition(c: NetworkCondition, nameOf: (index: number) => string): string {
  const blocked = [...c.blocked].map((key) => {
    const { from, to } = linkEnds(key);
    return `${nameOf(from)}>${nameOf(to)}`;
  });
  const long = c.longDelayChance > 0 ? ` long=${c.longDelayChance.toFixed(3)}<=${c.longDelayMax.toFixed(0)}` : '';
  const cut = blocked.length > 0 ? ` blocked=${blocked.join(',')}` : '';
  return `${c.label} loss=${c.loss.toFixed(2)} dup=${c.duplicate.toFixed(2)} delay<=${c.maxDelay}${long}${cut}`;
}
