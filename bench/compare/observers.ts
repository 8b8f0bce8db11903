// What the benchmark sees of a failover, without asking the daemons anything: the client's answers,
// the kernel's address events in each node namespace, and the lines the scripts write.
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DEVICE, ECHO_PORT, FLOATING_ADDRESS, FLOATING_CIDR, NODES, type NodeName, type Topology } from './topology.js';
import { startDetached } from './shell.js';

export const CLIENT_INTERVAL_MS = 2;
/** Answers older than this are dropped: a trial looks at most a few tens of seconds back. */
const ANSWER_MEMORY_MS = 120_000;

export interface Answer {
  atMs: number;
  node: string;
}

/** The client in its namespace and the answers it reports. */
export class AnswerLog {
  private answers: Answer[] = [];
  private child: ChildProcess | undefined;

  start(topology: Topology): void {
    const script = fileURLToPath(new URL('./client.mjs', import.meta.url));
    const child = startDetached('ip', ['netns', 'exec', topology.clientNs, process.execPath, script, FLOATING_ADDRESS, String(ECHO_PORT), String(CLIENT_INTERVAL_MS)], 'pipe');
    this.child = child;
    if (child.stdout === null) return;
    createInterface({ input: child.stdout }).on('line', (line) => {
      const [at, node] = line.split(' ');
      const atMs = Number(at);
      if (node === undefined || !Number.isFinite(atMs)) return;
      this.answers.push({ atMs, node });
      if (this.answers.length > 4096 && (this.answers[0]?.atMs ?? atMs) < atMs - ANSWER_MEMORY_MS) {
        this.answers = this.answers.filter((a) => a.atMs >= atMs - ANSWER_MEMORY_MS);
      }
    });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Stops the client's requests (SIGSTOP) while the daemons' idle CPU is measured, and resumes it. */
  pause(paused: boolean): void {
    if (this.child?.pid !== undefined) process.kill(this.child.pid, paused ? 'SIGSTOP' : 'SIGCONT');
  }

  stop(): void {
    if (this.child?.pid !== undefined && this.child.exitCode === null) process.kill(this.child.pid, 'SIGKILL');
  }

  since(fromMs: number): Answer[] {
    return this.answers.filter((a) => a.atMs >= fromMs);
  }

  /** The first answer from `node` at or after `fromMs`. */
  firstFrom(node: string, fromMs: number): Answer | undefined {
    return this.answers.find((a) => a.atMs >= fromMs && a.node === node);
  }

  /** The longest time without any answer between `fromMs` and `toMs`, counting the edges of the window. */
  longestGap(fromMs: number, toMs: number): number {
    let last = fromMs;
    let longest = 0;
    for (const answer of this.answers) {
      if (answer.atMs < fromMs) continue;
      if (answer.atMs > toMs) break;
      longest = Math.max(longest, answer.atMs - last);
      last = answer.atMs;
    }
    return Math.max(longest, toMs - last);
  }
}

export interface AddressEvent {
  node: NodeName;
  atMs: number;
  added: boolean;
}

/** `ip monitor address` in each node namespace: when the floating address appears and goes, by the kernel's report. */
export class AddressMonitor {
  readonly events: AddressEvent[] = [];
  private readonly children: ChildProcess[] = [];
  private readonly present = new Set<NodeName>();

  start(topology: Topology): void {
    for (const node of NODES) {
      // TZ=UTC: -ts prints the local time without a zone; in UTC it reads back exactly.
      const child = startDetached('ip', ['-n', topology.ns(node), '-ts', '-o', 'monitor', 'address', 'dev', DEVICE], 'pipe', { ...process.env, TZ: 'UTC' });
      this.children.push(child);
      if (child.stdout === null) continue;
      createInterface({ input: child.stdout }).on('line', (line) => this.onLine(node, line));
    }
  }

  private onLine(node: NodeName, line: string): void {
    // "[2026-11-30T04:05:22.093254] Deleted 2: hm0    inet 10.213.0.50/24 scope global ..."
    const match = /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d+)\] (Deleted )?\d+: \S+\s+inet (\S+)/.exec(line);
    if (match === null || match[4] !== FLOATING_CIDR) return;
    const atMs = Date.parse(`${match[1] ?? ''}Z`) + Number(`0.${match[2] ?? '0'}`) * 1000;
    const added = match[3] === undefined;
    if (added) this.present.add(node);
    else this.present.delete(node);
    this.events.push({ node, atMs, added });
  }

  holders(): NodeName[] {
    return NODES.filter((n) => this.present.has(n));
  }

  /** The first time at or after `fromMs` that a node other than `except` got the address. */
  firstAdded(fromMs: number, except: NodeName): AddressEvent | undefined {
    return this.events.find((e) => e.added && e.atMs >= fromMs && e.node !== except);
  }

  stop(): void {
    for (const child of this.children) if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
  }
}

export interface ScriptRecord {
  atMs: number;
  node: string;
  event: string;
}

/** The lines "EPOCHREALTIME NODE EVENT" that the benchmark's scripts append to one file. */
export class RecordLog {
  readonly records: ScriptRecord[] = [];
  private offset = 0;
  private partial = '';

  constructor(readonly path: string) {}

  /** Reads what was appended since the last call. */
  refresh(): void {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return;
    }
    try {
      const buffer = Buffer.alloc(64 * 1024);
      // Bounded: each read advances the offset, and the file grows by a few lines per failover.
      for (let i = 0; i < 1024; i++) {
        const n = readSync(fd, buffer, 0, buffer.length, this.offset);
        if (n === 0) break;
        this.offset += n;
        this.partial += buffer.subarray(0, n).toString('utf8');
      }
    } finally {
      closeSync(fd);
    }
    const lines = this.partial.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      const [at, node, event] = line.split(' ');
      const atMs = Number(at) * 1000;
      if (node !== undefined && event !== undefined && Number.isFinite(atMs)) this.records.push({ atMs, node, event });
    }
  }

  first(event: string, fromMs: number, except?: string): ScriptRecord | undefined {
    this.refresh();
    return this.records.find((r) => r.event === event && r.atMs >= fromMs && r.node !== except);
  }

  last(node: string, events: readonly string[]): ScriptRecord | undefined {
    this.refresh();
    for (let i = this.records.length - 1; i >= 0; i--) {
      const record = this.records[i];
      if (record !== undefined && record.node === node && events.includes(record.event)) return record;
    }
    return undefined;
  }
}
