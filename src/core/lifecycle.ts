// The resource lifecycle on one node: its states, each with only its own data, and the table of
// which event each state expects and what it does then (in the manner of OpenBSD ospfd's neighbour
// FSM). The transitions themselves are functions of ResourceMachine (resource.ts), named in the
// table; an event a state does not expect is a broken invariant and throws.
//
//   INITIAL --probe: not running--> (clean up with stop) --listened--> STANDBY
//   INITIAL --probe: running--> FOUND --endorsed--> RUNNING,  FOUND --objection--> STOPPING
//   STANDBY --elected--> STARTING --start ok--> RUNNING
//   STARTING/RUNNING --release, lost quorum, failure, role, TERM--> STOPPING
//   STOPPING --stop ok--> STANDBY | ERRORED | STARTING (restart, forced) | INITIAL | WATCHING | GRACE
//   any stop that fails --> ERRORED (stop failed: the resource may still run here)
//   GRACE --shutdown_grace over--> STANDBY
// A watchdog sits in WATCHING and only votes.

import type { ResourceState } from './types.js';

/** Why a holder is stopping; decides where it goes once the stop script succeeded. */
export type StopReason =
  | 'release' // HUP, role secondary, hand-over, offline, gateway lost: STANDBY
  | 'restart' // monitor failed: start again here
  | 'failed' // attempts used up: ERRORED, released
  | 'self-fence' // lost quorum: STANDBY
  | 'conflict' // another holder is preferred: STANDBY
  | 'term' // shutting down: GRACE or STANDBY, then the node leaves
  | 'cleanup' // found running at start-up and not kept: STANDBY
  | 'to-init' // role init: INITIAL
  | 'to-watchdog'; // role watchdog: WATCHING

/** The start-up check in INITIAL: monitor once, and clean up with stop if it does not run. */
export type ProbeStep = 'todo' | 'checking' | 'cleaning' | 'done';

export type Phase =
  | { readonly name: 'INITIAL'; readonly probe: ProbeStep }
  /** A copy found running at start-up, shown as a holder about to stop until it is kept or stopped. */
  | { readonly name: 'FOUND'; readonly foundAt: number }
  | { readonly name: 'STANDBY' }
  | { readonly name: 'STARTING'; /** After a failed attempt, the next one waits until then. */ retryAt: number }
  | { readonly name: 'RUNNING'; nextMonitorAt: number; monitorFailures: number; monitorSuccesses: number }
  | { readonly name: 'STOPPING'; readonly reason: StopReason; /** USR1 arrived meanwhile. */ readonly thenForceStart: boolean }
  /** Stopped for TERM: still shown as stopping for `shutdown_grace`, so the others wait. */
  | { readonly name: 'GRACE'; readonly until: number }
  | { readonly name: 'ERRORED'; /** A stop failed: the resource may still run here. */ readonly stopFailed: boolean }
  | { readonly name: 'WATCHING' };

export type PhaseName = Phase['name'];

/** FreeHA's state name, as operators and the other nodes see it. */
export function shownState(phase: Phase): ResourceState {
  switch (phase.name) {
    case 'FOUND':
    case 'GRACE':
      return 'STOPPING';
    default:
      return phase.name;
  }
}

export function isHoldingPhase(phase: Phase): boolean {
  return phase.name === 'STARTING' || phase.name === 'RUNNING';
}

/** What happens to a resource: the daemon's evaluation after every input, scripts, commands. */
export type LifecycleEvent =
  | 'evaluate'
  | 'probe-done'
  | 'fence-done'
  | 'start-done'
  | 'monitor-done'
  | 'stop-done'
  | 'hup'
  | 'force-start'
  | 'clear'
  | 'terminate'
  | 'role-service'
  | 'role-other'
  | 'withdraw';

/** The transitions, by name; ResourceMachine implements each as one function. */
export type Transition =
  | 'ignore'
  | 'decide-initial'
  | 'decide-found'
  | 'decide-standby'
  | 'decide-holding'
  | 'decide-stopping'
  | 'end-grace'
  | 'explain-errored'
  | 'explain-watching'
  | 'probe-done'
  | 'clean-up-done'
  | 'fence-done'
  | 'start-done'
  | 'monitor-done'
  | 'stop-done'
  | 'hand-back'
  | 'step-aside'
  | 'start-forced'
  | 'start-after-stop'
  | 'clear-error'
  | 'release-for-term'
  | 'stop-for-term'
  | 'rejoin-initial'
  | 'step-down'
  | 'cancel-role-stop'
  | 'release-for-role'
  | 'stop-for-role'
  | 'leave-service'
  | 'withdraw';

/** Every state, in the order of the union. */
export const PHASE_NAMES: readonly PhaseName[] = ['INITIAL', 'FOUND', 'STANDBY', 'STARTING', 'RUNNING', 'STOPPING', 'GRACE', 'ERRORED', 'WATCHING'];
const HOLDING: readonly PhaseName[] = ['STARTING', 'RUNNING'];

type Row = readonly [states: PhaseName | readonly PhaseName[] | 'any', event: LifecycleEvent, transition: Transition];

/**
 * (state, event) -> transition. The first matching row wins; no row means the event cannot happen
 * in that state. Commands that mean nothing in a state are listed as 'ignore', so that the table
 * says so instead of staying silent.
 */
export const LIFECYCLE_TABLE: readonly Row[] = [
  // What each state does after every input.
  ['INITIAL', 'evaluate', 'decide-initial'],
  ['FOUND', 'evaluate', 'decide-found'],
  ['STANDBY', 'evaluate', 'decide-standby'],
  [HOLDING, 'evaluate', 'decide-holding'],
  ['STOPPING', 'evaluate', 'decide-stopping'],
  ['GRACE', 'evaluate', 'end-grace'],
  ['ERRORED', 'evaluate', 'explain-errored'],
  ['WATCHING', 'evaluate', 'explain-watching'],

  // Scripts: each result arrives only in the state that ran the script (a killed one never does).
  ['INITIAL', 'probe-done', 'probe-done'],
  ['INITIAL', 'stop-done', 'clean-up-done'],
  ['STARTING', 'fence-done', 'fence-done'],
  ['STARTING', 'start-done', 'start-done'],
  ['RUNNING', 'monitor-done', 'monitor-done'],
  ['STOPPING', 'stop-done', 'stop-done'],

  // HUP means "not here", whatever the state when it arrives: a holder hands over; a node on its
  // way out or not yet holding steps aside, so that the next node is preferred.
  [HOLDING, 'hup', 'hand-back'],
  [['INITIAL', 'FOUND', 'STANDBY', 'STOPPING'], 'hup', 'step-aside'],
  ['any', 'hup', 'ignore'],

  // USR1, -m (after the checks that apply in every state: not shutting down, a service role).
  [['INITIAL', 'STANDBY', 'ERRORED'], 'force-start', 'start-forced'],
  ['STOPPING', 'force-start', 'start-after-stop'],
  [['FOUND', ...HOLDING], 'force-start', 'ignore'], // FOUND: adopted as forced at once

  // USR2, hastmonctl clear.
  ['ERRORED', 'clear', 'clear-error'],
  ['any', 'clear', 'ignore'],

  // TERM, or the resource was removed from the configuration.
  [HOLDING, 'terminate', 'release-for-term'],
  ['STOPPING', 'terminate', 'stop-for-term'],
  ['any', 'terminate', 'ignore'], // a start-up check finishes first; FOUND then stops the copy

  // hastmonctl role primary|secondary.
  [['WATCHING', 'INITIAL'], 'role-service', 'rejoin-initial'],
  [HOLDING, 'role-service', 'step-down'],
  ['STOPPING', 'role-service', 'cancel-role-stop'],
  [['FOUND', 'STANDBY', 'GRACE', 'ERRORED'], 'role-service', 'ignore'],

  // hastmonctl role init|watchdog.
  [HOLDING, 'role-other', 'release-for-role'],
  ['STOPPING', 'role-other', 'stop-for-role'],
  [['INITIAL', 'STANDBY', 'ERRORED', 'WATCHING'], 'role-other', 'leave-service'],
  [['FOUND', 'GRACE'], 'role-other', 'ignore'], // FOUND decides by the role when it decides

  // The gateway became unreachable, or `offline`.
  [HOLDING, 'withdraw', 'withdraw'],
  ['any', 'withdraw', 'ignore'],
];

/** Answers of transitionFor, per state and event: the table is read once for each pair. */
const LOOKED_UP = new Map<PhaseName, Map<LifecycleEvent, Transition | undefined>>();

/** The transition for `event` in state `phase`, or undefined when the state does not expect it. */
export function transitionFor(phase: PhaseName, event: LifecycleEvent): Transition | undefined {
  let byEvent = LOOKED_UP.get(phase);
  if (byEvent === undefined) {
    byEvent = new Map();
    LOOKED_UP.set(phase, byEvent);
  }
  if (byEvent.has(event)) return byEvent.get(event);
  const transition = readTable(phase, event);
  byEvent.set(event, transition);
  return transition;
}

function readTable(phase: PhaseName, event: LifecycleEvent): Transition | undefined {
  for (const [states, on, transition] of LIFECYCLE_TABLE) {
    if (on !== event) continue;
    if (states === 'any' || states === phase || (Array.isArray(states) && states.includes(phase))) return transition;
  }
  return undefined;
}
