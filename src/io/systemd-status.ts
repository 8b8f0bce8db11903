// What hastmon tells systemd about itself, decided from the core's view alone (pure: no I/O):
// whether it is ready (READY=1), and the one-line summary of what it holds (STATUS=).

import type { NodeView, ResourceState, ResourceView } from '../core/types.js';

/**
 * Ready once every resource's start-up check is over: the resource has left INITIAL (probed,
 * cleaned up, and the others listened for). A resource waiting in INITIAL for `hastmonctl role`
 * (role init) has no check to wait for, and a watchdog's begins in WATCHING.
 */
export function isReady(view: NodeView): boolean {
  return view.resources.every((r) => r.state !== 'INITIAL' || r.role === 'init');
}

/** Each state's words in the summary, in the summary's order: what matters most comes first. */
const PHRASES: ReadonlyArray<readonly [ResourceState, string]> = [
  ['ERRORED', 'ERRORED'],
  ['RUNNING', 'holding'],
  ['STARTING', 'starting'],
  ['STOPPING', 'stopping'],
  ['STANDBY', 'standby for'],
  ['WATCHING', 'watching'],
  ['INITIAL', 'checking'],
];

function phrase(r: ResourceView): string {
  if (r.state === 'INITIAL' && r.role === 'init') return 'waiting for a role for';
  return PHRASES.find(([state]) => state === r.state)?.[1] ?? r.state;
}

/** e.g. `holding daemon; standby for web, nfs`: short, and the same as long as nothing changes. */
export function statusLine(view: NodeView): string {
  if (view.resources.length === 0) return 'no resources';
  const groups = new Map<string, string[]>();
  const order = [...PHRASES.map(([, words]) => words), 'waiting for a role for'];
  for (const r of view.resources) {
    const words = phrase(r);
    groups.set(words, [...(groups.get(words) ?? []), r.name]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => order.indexOf(a) - order.indexOf(b))
    .map(([words, names]) => `${words} ${names.join(', ')}`)
    .join('; ');
}
