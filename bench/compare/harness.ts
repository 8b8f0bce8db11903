// The running measurement: the daemons of one subject on the three nodes, the echo responders, and
// the conditions a trial waits for, judged only from outside (processes, addresses, answers, scripts' lines).
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AddressMonitor, AnswerLog, RecordLog } from './observers.js';
import { alive, processTree } from './proc.js';
import { pollFor, realtimeMs, sleep, startDetached } from './shell.js';
import type { Subject } from './subject.js';
import { ECHO_PORT, NODES, type NodeName, type Topology } from './topology.js';

/** How long the daemons get to stop after TERM before their process trees are killed. */
const STOP_TIMEOUT_MS = 20_000;
/** Every wait for a settled cluster: generous, then the cluster is started again. */
const SETTLE_MIN_BOUND_MS = 30_000;
/** How recent and uniform the client's answers must be for the cluster to count as serving. */
const SERVING_WINDOW_MS = 300;

export class Harness {
  readonly mains = new Map<NodeName, number>();
  private readonly echoes = new Map<NodeName, ChildProcess>();
  private lastStartMs = 0;
  private subject: Subject | undefined;

  constructor(
    readonly topology: Topology,
    readonly answers: AnswerLog,
    readonly addresses: AddressMonitor,
    readonly records: RecordLog,
  ) {}

  startEcho(node: NodeName): void {
    const script = fileURLToPath(new URL('./echo.mjs', import.meta.url));
    this.echoes.set(node, startDetached('ip', ['netns', 'exec', this.topology.ns(node), process.execPath, script, node, String(ECHO_PORT)], 'ignore'));
  }

  echoPid(node: NodeName): number | undefined {
    return this.echoes.get(node)?.pid;
  }

  stopEchoes(): void {
    for (const child of this.echoes.values()) if (running(child) && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  }

  async startNode(subject: Subject, node: NodeName): Promise<void> {
    this.lastStartMs = realtimeMs();
    this.mains.set(node, await subject.start(node));
    this.lastStartMs = realtimeMs();
  }

  async startAll(subject: Subject): Promise<void> {
    this.subject = subject;
    for (const node of NODES) await this.startNode(subject, node);
  }

  /** TERM to every daemon, then SIGKILL to what is left of their trees after a bound. */
  async stopAll(): Promise<void> {
    const mains = [...this.mains.values()];
    for (const pid of mains) signal(pid, 'SIGTERM');
    const stopped = await pollFor(() => (mains.every((pid) => !alive(pid)) ? true : undefined), STOP_TIMEOUT_MS, 50);
    if (stopped !== true) this.killAll();
    this.mains.clear();
  }

  /** Every daemon's whole process tree, at once: for errors and Ctrl-C. */
  killAll(): void {
    for (const pid of this.mains.values()) for (const member of processTree(pid)) signal(member, 'SIGKILL');
  }

  /** Waits until the processes of a tree have gone (a killed process is reaped by its parent or init). */
  async waitGone(pids: readonly number[], timeoutMs = STOP_TIMEOUT_MS): Promise<boolean> {
    return (await pollFor(() => (pids.every((pid) => !alive(pid)) ? true : undefined), timeoutMs, 10)) === true;
  }

  /**
   * A settled cluster, judged from outside: every daemon runs, exactly one node carries the address,
   * its start script (if any) has ended, the client hears only that node, and nothing has changed
   * (no holder, no daemon started) for the detection time plus half a second, so that a restarted
   * node has heard the others and would have taken over by then if it were going to.
   */
  async settle(subject: Subject): Promise<NodeName> {
    const quietMs = subject.detectionMs + 500;
    const boundMs = Math.max(SETTLE_MIN_BOUND_MS, 10 * subject.detectionMs);
    let holder: NodeName | undefined;
    let since = realtimeMs();
    let why = 'nothing seen yet';
    const settled = await pollFor(
      () => {
        const now = realtimeMs();
        const dead = NODES.find((n) => !alive(this.mains.get(n) ?? -1));
        if (dead !== undefined) throw new Error(`${subject.daemon} on ${dead} is not running`);
        const holders = this.addresses.holders();
        const only = holders.length === 1 ? holders[0] : undefined;
        if (only !== holder) {
          holder = only;
          since = now;
        }
        if (only === undefined) {
          why = holders.length === 0 ? 'no node carries the address' : `${holders.join(' and ')} carry the address`;
          return undefined;
        }
        if (subject.startEndRecord !== undefined && this.records.last(only, [subject.takeoverRecord, subject.startEndRecord])?.event !== subject.startEndRecord) {
          why = `the start script on ${only} has not ended`;
          return undefined;
        }
        const recent = this.answers.since(now - SERVING_WINDOW_MS);
        if (recent.length === 0 || recent.some((a) => a.node !== only)) {
          why = recent.length === 0 ? 'the client hears nobody' : `the client hears ${[...new Set(recent.map((a) => a.node))].join(' and ')}`;
          return undefined;
        }
        why = `waiting for ${Math.round(quietMs)} ms without change`;
        return now - since >= quietMs && now - this.lastStartMs >= quietMs ? only : undefined;
      },
      boundMs,
      50,
    );
    if (settled === undefined) throw new Error(`${subject.daemon}, ${subject.timing}: no settled cluster within ${boundMs} ms (${why})`);
    return settled;
  }

  /** Starts the subject again from nothing, after a trial that left the cluster in disorder. */
  async restart(): Promise<void> {
    const subject = this.subject;
    if (subject === undefined) return;
    this.killAll();
    await this.waitGone([...this.mains.values()]);
    this.mains.clear();
    for (const node of NODES) {
      await this.topology.restore(node);
      if (!running(this.echoes.get(node))) this.startEcho(node);
    }
    await sleep(200);
    await this.startAll(subject);
  }
}

export function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Gone already.
  }
}

function running(child: ChildProcess | undefined): boolean {
  return child !== undefined && child.exitCode === null && child.signalCode === null;
}
