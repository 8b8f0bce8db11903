// One trial: an act on the holder (kill -9 of its host, or a signal), then what the others do,
// measured from the act: the new holder's script, the address in its kernel, the client's answers.
import { randomInt } from 'node:crypto';
import type { Harness } from './harness.js';
import { signal } from './harness.js';
import { processTree } from './proc.js';
import { calibrateRealtime, pollFor, realtimeMs, sleep } from './shell.js';
import type { GracefulAct, Subject } from './subject.js';
import type { NodeName } from './topology.js';

export interface Trial {
  ok: boolean;
  /** Why the trial failed, when it did. */
  failure?: string;
  /** The holder acted upon ("?" when the trial failed before one was found). */
  from: string;
  /** The node that got the address. */
  to?: string;
  /** From the act to the first line of the new holder's script (hastmon: start; keepalived: notify_master). */
  startMs?: number;
  /** From the act to the kernel's report of the address on the new holder. */
  addressMs?: number;
  /** From the act to the client's first answer from the new holder. */
  answerMs?: number;
  /** The longest time the client went without any answer, from before the act to after the first new answer. */
  gapMs?: number;
}

/** The client's answers looked at before the act, so that the gap counts from the last answer of the old holder. */
const GAP_LOOKBACK_MS = 500;
/** And after the first answer from the new holder, to see that answers go on. */
const GAP_LOOKAHEAD_MS = 200;

/** A trial longer than this is a failure: ten detection times, and never less than 10 s. */
export function takeoverBoundMs(subject: Subject): number {
  return Math.max(10_000, 10 * subject.detectionMs);
}

/** The act is made at a random moment of the heartbeat or advertisement cycle. */
function unsynchronised(subject: Subject): Promise<void> {
  return sleep(randomInt(0, Math.max(1, Math.round(subject.cadenceMs))));
}

/** Waits for the takeover after an act at `actMs` on `from`, up to the bound, and measures it. */
async function observe(harness: Harness, subject: Subject, from: NodeName, actMs: number): Promise<Trial> {
  const boundMs = takeoverBoundMs(subject);
  const trial: Trial = { ok: false, from };
  await pollFor(() => {
    const address = harness.addresses.firstAdded(actMs, from);
    if (address !== undefined && trial.addressMs === undefined) {
      trial.to = address.node;
      trial.addressMs = address.atMs - actMs;
    }
    const start = harness.records.first(subject.takeoverRecord, actMs, from);
    if (start !== undefined) trial.startMs = start.atMs - actMs;
    if (trial.to !== undefined) {
      const answer = harness.answers.firstFrom(trial.to, actMs);
      if (answer !== undefined) trial.answerMs = answer.atMs - actMs;
    }
    return trial.startMs !== undefined && trial.addressMs !== undefined && trial.answerMs !== undefined ? true : undefined;
  }, boundMs);
  const missing = [
    trial.startMs === undefined ? `no ${subject.takeoverRecord} record` : '',
    trial.addressMs === undefined ? 'no new holder of the address' : '',
    trial.addressMs !== undefined && trial.answerMs === undefined ? `no answer from ${trial.to ?? '?'}` : '',
  ].filter((m) => m.length > 0);
  if (missing.length > 0) {
    trial.failure = `${missing.join(', ')} within ${boundMs} ms`;
    return trial;
  }
  await sleep(GAP_LOOKAHEAD_MS + 50);
  trial.gapMs = harness.answers.longestGap(actMs - GAP_LOOKBACK_MS, actMs + (trial.answerMs ?? 0) + GAP_LOOKAHEAD_MS);
  trial.ok = true;
  return trial;
}

/**
 * kill -9 of the holder's host: its daemon's whole process tree and its echo responder get SIGKILL
 * at one instant (the act's time), then its interface drops everything. After the measurement the
 * host "reboots": interface back, no floating address, responder and daemon started again.
 */
export async function killTrial(harness: Harness, subject: Subject): Promise<Trial> {
  const holder = await harness.settle(subject);
  await unsynchronised(subject);
  const victims = processTree(harness.mains.get(holder) ?? -1);
  const echo = harness.echoPid(holder);
  calibrateRealtime();
  const actMs = realtimeMs();
  for (const pid of victims) signal(pid, 'SIGKILL');
  if (echo !== undefined) signal(echo, 'SIGKILL');
  await harness.topology.cut(holder);
  const trial = await observe(harness, subject, holder, actMs);
  if (!(await harness.waitGone(victims))) throw new Error(`${subject.daemon} on ${holder} survived SIGKILL`);
  await harness.topology.restore(holder);
  harness.startEcho(holder);
  await harness.startNode(subject, holder);
  return trial;
}

/** A signal to the holder's daemon: HUP (it stays up as a standby) or TERM (it exits and is started again). */
export async function gracefulTrial(harness: Harness, subject: Subject, act: GracefulAct): Promise<Trial> {
  const holder = await harness.settle(subject);
  await unsynchronised(subject);
  const main = harness.mains.get(holder) ?? -1;
  calibrateRealtime();
  const actMs = realtimeMs();
  signal(main, act.signal);
  const trial = await observe(harness, subject, holder, actMs);
  if (act.exits) {
    if (!(await harness.waitGone([main]))) {
      for (const pid of processTree(main)) signal(pid, 'SIGKILL');
      throw new Error(`${subject.daemon} on ${holder} did not exit after ${act.name}`);
    }
    await harness.startNode(subject, holder);
  }
  return trial;
}
