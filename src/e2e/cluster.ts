// A cluster of real hastmon daemons on one host, for the process-level tests and the failover
// benchmark: it writes the configuration and a recording service script into a private temporary
// directory, starts, signals and kills the compiled daemons (`npm run build` first), and waits for
// conditions on their state files with bounded polls. Traffic stays on loopback: unicast to
// 127.0.0.1 ports, or multicast on interface 127.0.0.1 with TTL 0.
//
// Every process the cluster starts carries a random token in its environment (the daemons pass
// their environment on to the scripts, and the scripts to the services they start), so `destroy`
// kills exactly the processes it started, by pid, and nothing else.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { daemonEnvironment, freePort, HASTMON_BIN, isGone, runHastmonctl, signalQuietly, sleep, type RunResult } from './processes.js';
import { intervalsOf, overlapViolations, parseRecord, type Interruption, type Interval, type RecordLine } from './record.js';
import { parseStateFile, type ResourceStatus, type StateFileView } from './state-view.js';
import { serviceScript } from './test-service.js';
import { DEFAULT_PRIORITY } from '../config/defaults.js';
import { DEFAULT_TIMING, resolveTiming } from '../config/timing.js';
import type { Timing } from '../core/types.js';

/** The resource every test cluster runs. */
const RESOURCE = 'daemon';

export interface NodeSpec {
  name: string;
  /** Omitted: the default priority, so that the name decides among equals. */
  priority?: number;
  watchdog?: boolean;
  /** Extra lines for the node's top-level `on` section, e.g. `http 127.0.0.1:PORT`. */
  lines?: string[];
}

export interface ClusterOptions {
  nodes: NodeSpec[];
  transport: 'unicast' | 'multicast';
  /** Extra lines for the resource section, e.g. `attempts 2`, `timeout 1s`. */
  resourceLines?: string[];
  /** Extra lines for the global section, e.g. a `key { … }`. */
  globalLines?: string[];
  /** The prefix of the temporary directory's name. */
  label?: string;
  /** Another timing than hastmon's default (the benchmarks' fast settings), resolved as the daemon resolves it. */
  timing?: { heartbeatInterval: number; deadtime: number; lease: number };
  /** More unicast destinations for every node's heartbeats (`127.0.0.1:PORT`): a benchmark listening to them. */
  extraRemotes?: string[];
  /**
   * Each node's `remote` addresses when something stands between the nodes (a relay that can cut
   * the link), given the port each node listens on; by default, the other nodes' listen addresses.
   */
  remotesFor?: (listenPorts: ReadonlyMap<string, number>) => Promise<Record<string, string[]>>;
  /** Another launcher than this tree's bin/hastmon: a benchmark comparing two builds in one run. */
  launcher?: string;
  /** Options for node itself before the launcher, per node name (a benchmark's `--cpu-prof`). */
  nodeOptions?: (name: string) => string[];
  /** Where the cluster's temporary directory is made: the system's temporary directory unless given. */
  parentDir?: string;
}

/** One incarnation of a node's daemon. */
export interface DaemonProcess {
  name: string;
  pid: number;
  child: ChildProcess;
  /** Resolves with the exit code, or null when a signal ended it. */
  exited: Promise<number | null>;
  hasExited(): boolean;
}

/** An administratively scoped group of its own per cluster, never hastmon's default one. */
function randomGroup(): string {
  for (;;) {
    const group = `239.255.${randomInt(1, 255)}.${randomInt(1, 255)}`;
    if (group !== '239.255.42.99') return group;
  }
}

/** The timing the daemons will run with, resolved by the configuration's own rules; refused as they would refuse it. */
function timingOf(given: { heartbeatInterval: number; deadtime: number; lease: number }): Timing {
  const setting = (value: number) => ({ value, line: 0 });
  const resolved = resolveTiming({
    heartbeat_interval: setting(given.heartbeatInterval),
    deadtime: setting(given.deadtime),
    lease: setting(given.lease),
  });
  if (resolved.errors.length > 0) throw new Error(`timing refused: ${resolved.errors.map((e) => e.message).join('; ')}`);
  return resolved.timing;
}

export class Cluster {
  readonly dir: string;
  readonly configPath: string;
  readonly scriptPath: string;
  readonly recordPath: string;
  /** The cluster's timing, written into its configuration file: hastmon's default unless the options say otherwise. */
  readonly timing: Timing;
  readonly token = randomBytes(8).toString('hex');
  private readonly daemons = new Map<string, DaemonProcess>();
  private readonly everStarted: DaemonProcess[] = [];
  private readonly interruptions: Interruption[] = [];

  private constructor(
    readonly options: ClusterOptions,
    private readonly ports: Map<string, number>,
    private readonly multicast: { group: string; port: number } | undefined,
    private readonly remotes: Record<string, string[]> | undefined,
  ) {
    this.timing = options.timing === undefined ? DEFAULT_TIMING : timingOf(options.timing);
    this.dir = mkdtempSync(join(options.parentDir ?? tmpdir(), `hastmon-${options.label ?? 'e2e'}-`));
    this.configPath = join(this.dir, 'hastmon.conf');
    this.scriptPath = join(this.dir, 'service.sh');
    this.recordPath = join(this.dir, 'record');
    writeFileSync(this.scriptPath, serviceScript(this.dir), { mode: 0o755 });
    chmodSync(this.scriptPath, 0o755);
    writeFileSync(this.recordPath, '');
    writeFileSync(this.configPath, this.configText());
  }

  static async create(options: ClusterOptions): Promise<Cluster> {
    const ports = new Map<string, number>();
    for (const node of options.nodes) ports.set(node.name, await freePort());
    const multicast = options.transport === 'multicast' ? { group: randomGroup(), port: await freePort() } : undefined;
    const remotes = await options.remotesFor?.(ports);
    return new Cluster(options, ports, multicast, remotes);
  }

  get heartbeatMs(): number {
    return this.timing.heartbeatInterval;
  }

  get deadtimeMs(): number {
    return this.timing.deadtime;
  }

  get leaseMs(): number {
    return this.timing.lease;
  }

  get guardMs(): number {
    return this.timing.guard;
  }

  get names(): string[] {
    return this.options.nodes.map((n) => n.name);
  }

  path(file: string): string {
    return join(this.dir, file);
  }

  /** Where `name` listens for heartbeats, as the configuration file says. */
  listenAddress(name: string): string {
    return `127.0.0.1:${this.ports.get(name)}`;
  }

  /** `hastmonctl` run against `name`'s control socket. */
  hastmonctl(name: string, ...args: string[]): Promise<RunResult> {
    return runHastmonctl(this.path(`${name}.sock`), args);
  }

  private configText(): string {
    const { nodes, resourceLines = [], globalLines = [] } = this.options;
    const lines = [
      '# hastmon e2e test cluster',
      `heartbeat_interval ${this.heartbeatMs}ms`,
      `deadtime ${this.deadtimeMs}ms`,
      `lease ${this.leaseMs}ms`,
      ...globalLines,
    ];
    if (this.multicast !== undefined) {
      lines.push(`channel multicast ${this.multicast.group}:${this.multicast.port} interface 127.0.0.1 ttl 0`);
    }
    for (const node of nodes) {
      lines.push(
        `on ${node.name} {`,
        `  listen ${this.listenAddress(node.name)}`,
        `  control ${this.path(`${node.name}.sock`)}`,
        `  state_file ${this.path(`${node.name}.state`)}`,
        ...(node.lines ?? []).map((l) => `  ${l}`),
        '}',
      );
    }
    lines.push(`resource ${RESOURCE} {`, `  exec ${this.scriptPath}`, ...resourceLines.map((l) => `  ${l}`));
    for (const node of nodes) {
      lines.push(`  on ${node.name} {`);
      if (this.options.transport === 'unicast') {
        const peers = this.remotes?.[node.name] ?? nodes.filter((n) => n.name !== node.name).map((n) => this.listenAddress(n.name));
        const remotes = [...peers, ...(this.options.extraRemotes ?? [])];
        lines.push(`    remote ${remotes.join(' ')}`);
      }
      if (node.priority !== undefined) lines.push(`    priority ${node.priority}`);
      if (node.watchdog === true) lines.push('    role_on_start watchdog');
      lines.push('  }');
    }
    lines.push('}', '');
    return lines.join('\n');
  }

  /** The daemon's environment, marked with the token, which scripts and services inherit. */
  private environment(): NodeJS.ProcessEnv {
    return daemonEnvironment({ HASTMON_E2E_TOKEN: this.token });
  }

  // ---------------------------------------------------------------------------------------------
  // Processes.

  /** Starts `name` in the foreground (`-F`), its log appended to NAME.log. */
  start(name: string, extraArgs: readonly string[] = []): DaemonProcess {
    const running = this.daemons.get(name);
    if (running !== undefined && !running.hasExited()) throw new Error(`${name} is already running as pid ${running.pid}`);
    const log = openSync(this.path(`${name}.log`), 'a');
    let child: ChildProcess;
    try {
      child = spawn(
        process.execPath,
        [...(this.options.nodeOptions?.(name) ?? []), this.options.launcher ?? HASTMON_BIN, '-F', '-c', this.configPath, '-N', name, '-P', this.path(`${name}.pid`), ...extraArgs],
        { cwd: this.dir, env: this.environment(), stdio: ['ignore', log, log] },
      );
    } finally {
      closeSync(log);
    }
    const pid = child.pid;
    if (pid === undefined) throw new Error(`cannot start hastmon for ${name}`);
    let done = false;
    const exited = new Promise<number | null>((resolve) => {
      child.once('exit', (code) => {
        done = true;
        resolve(code);
      });
    });
    const daemon: DaemonProcess = { name, pid, child, exited, hasExited: () => done };
    this.daemons.set(name, daemon);
    this.everStarted.push(daemon);
    return daemon;
  }

  /**
   * Starts the most preferred service node (priority, then name) and waits until it has written
   * its state file, then starts the others together and waits for them. Started all at once, the
   * preferred node, slow to come up on a busy host, may be heard only after its peers' first
   * deadtime and lose the first election; started one by one, a node still coming up, short of
   * CPU, may be asked for its vote and answer late.
   */
  async startAll(timeoutMs = 10_000): Promise<void> {
    const preference = (n: NodeSpec): [number, string] => [n.priority ?? DEFAULT_PRIORITY, n.name.toLowerCase()];
    const [first, ...others] = [...this.options.nodes].sort((a, b) => {
      if ((a.watchdog === true) !== (b.watchdog === true)) return a.watchdog === true ? 1 : -1;
      const [pa, na] = preference(a);
      const [pb, nb] = preference(b);
      return pa - pb || na.localeCompare(nb);
    });
    if (first === undefined) return;
    this.start(first.name);
    await this.waitUntilUp(first.name, timeoutMs);
    for (const { name } of others) this.start(name);
    for (const { name } of others) await this.waitUntilUp(name, timeoutMs);
  }

  /** Waits for the state file written by the current incarnation of `name`. */
  async waitUntilUp(name: string, timeoutMs = 10_000): Promise<void> {
    const pid = this.daemon(name).pid;
    await this.waitFor(`${name} (pid ${pid}) to write its state file`, () => this.state(name)?.pid === pid, timeoutMs);
  }

  daemon(name: string): DaemonProcess {
    const daemon = this.daemons.get(name);
    if (daemon === undefined) throw new Error(`${name} was never started`);
    return daemon;
  }

  signal(name: string, signal: NodeJS.Signals): number {
    const at = Date.now();
    process.kill(this.daemon(name).pid, signal);
    return at;
  }

  /** The service pids the test service recorded for `name` (the one it runs now). */
  private servicePids(name: string): number[] {
    try {
      const pid = Number(readFileSync(this.path(`service.${name}`), 'utf8').trim());
      return Number.isInteger(pid) && pid > 1 ? [pid] : [];
    } catch {
      return [];
    }
  }

  /**
   * The node's host dies: its daemon and its service are killed with SIGKILL. Returns the time of
   * the kill, which also ends the node's run in the record.
   */
  crash(name: string): number {
    const at = Date.now();
    const daemon = this.daemon(name);
    process.kill(daemon.pid, 'SIGKILL');
    for (const pid of this.servicePids(name)) signalQuietly(pid, 'SIGKILL');
    this.interruptions.push({ node: name, kind: 'crash', atMs: at });
    return at;
  }

  /** The node's host stops dead (SIGSTOP to the daemon and its service), as a paused VM does. */
  freeze(name: string): number {
    const at = Date.now();
    process.kill(this.daemon(name).pid, 'SIGSTOP');
    for (const pid of this.servicePids(name)) signalQuietly(pid, 'SIGSTOP');
    this.interruptions.push({ node: name, kind: 'freeze', atMs: at });
    return at;
  }

  /** Wakes a frozen node: its service first, then the daemon, which must find out at once that it lost its lease. */
  thaw(name: string): number {
    for (const pid of this.servicePids(name)) signalQuietly(pid, 'SIGCONT');
    const at = Date.now();
    process.kill(this.daemon(name).pid, 'SIGCONT');
    return at;
  }

  /** Waits for the current daemon of `name` to exit; returns its exit code (null: killed by a signal). */
  async waitForExit(name: string, timeoutMs = 10_000): Promise<number | null> {
    const daemon = this.daemon(name);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), timeoutMs);
    });
    const result = await Promise.race([daemon.exited, late]).finally(() => clearTimeout(timer));
    if (result === 'late') throw new Error(`${name} (pid ${daemon.pid}) did not exit within ${timeoutMs} ms`);
    return result;
  }

  /**
   * Kills everything the cluster started, by pid: the daemons (woken first if frozen), the
   * services and scripts they started; waits until all are gone, then removes the directory.
   */
  async destroy(options: { keepDirectory?: boolean } = {}): Promise<void> {
    const pids = new Set<number>();
    for (const daemon of this.everStarted) if (!daemon.hasExited()) pids.add(daemon.pid);
    for (const pid of this.recordedPids()) pids.add(pid);
    for (const pid of this.processesWithToken()) pids.add(pid);
    for (const pid of pids) {
      if (isGone(pid) || !this.isOurs(pid)) continue;
      signalQuietly(pid, 'SIGKILL');
      signalQuietly(pid, 'SIGCONT');
    }
    const deadline = Date.now() + 5_000;
    while ([...pids].some((pid) => !isGone(pid)) && Date.now() < deadline) await sleep(20);
    await Promise.all(this.everStarted.map((d) => Promise.race([d.exited, sleep(2_000)])));
    if (options.keepDirectory !== true) rmSync(this.dir, { recursive: true, force: true });
  }

  private recordedPids(): number[] {
    try {
      return readFileSync(this.path('pids'), 'utf8')
        .split('\n')
        .map(Number)
        .filter((pid) => Number.isInteger(pid) && pid > 1);
    } catch {
      return [];
    }
  }

  private isOurs(pid: number): boolean {
    if (this.everStarted.some((d) => d.pid === pid && !d.hasExited())) return true;
    try {
      return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`HASTMON_E2E_TOKEN=${this.token}`);
    } catch {
      return false;
    }
  }

  /** Scripts still running when the test ended (a hung start, a monitor) carry the token too. */
  private processesWithToken(): number[] {
    const out: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      if (pid !== process.pid && this.isOurs(pid)) out.push(pid);
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Observation.

  /** `name`'s state file, or undefined while it is missing or unreadable. */
  state(name: string): StateFileView | undefined {
    try {
      return parseStateFile(readFileSync(this.path(`${name}.state`), 'utf8'));
    } catch {
      return undefined;
    }
  }

  /** The resource as `name`'s state file shows it. */
  resource(name: string): ResourceStatus | undefined {
    return this.state(name)?.resources.find((r) => r.name === RESOURCE);
  }

  /** The node's own state for the resource, from its state file. */
  ownState(name: string): string | undefined {
    return this.resource(name)?.rows.find((r) => r.self)?.state;
  }

  /** Nodes whose daemon is running now. */
  running(): string[] {
    return this.names.filter((n) => {
      const daemon = this.daemons.get(n);
      return daemon !== undefined && !daemon.hasExited();
    });
  }

  /**
   * True when every node in `observers` (default: every running one) names `holder` as the
   * holder, the holder itself says RUNNING and every observer sees it RUNNING.
   */
  agreeOn(holder: string, observers: string[] = this.running()): boolean {
    if (this.ownState(holder) !== 'RUNNING') return false;
    return observers.every((o) => {
      const r = this.resource(o);
      return r !== undefined && r.holder === holder && r.rows.find((row) => row.node === holder)?.state === 'RUNNING';
    });
  }

  /** Polls `probe` every `pollMs` until it returns (or resolves to) something other than undefined or false. */
  async waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000, pollMs = 25): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(pollMs);
    }
  }

  /**
   * Watches `condition` for `ms`: false the moment it is false, true if it held throughout. For
   * checks that something does not happen, which need a window to happen in.
   */
  async holdsFor(condition: () => boolean, ms: number, pollMs = 25): Promise<boolean> {
    const end = Date.now() + ms;
    for (;;) {
      if (!condition()) return false;
      if (Date.now() >= end) return true;
      await sleep(Math.min(pollMs, Math.max(1, end - Date.now())));
    }
  }

  /** As `holdsFor`, but throws, naming `what`, the moment `condition` is false. */
  async keepsTrue(what: string, condition: () => boolean, ms: number): Promise<void> {
    const began = Date.now();
    if (!(await this.holdsFor(condition, ms))) throw new Error(`${what}: no longer true ${Date.now() - began} ms into a ${ms} ms watch`);
  }

  records(): RecordLine[] {
    return parseRecord(readFileSync(this.recordPath, 'utf8'));
  }

  /** The first record line of `event` by `node` after `afterMs`. */
  recordAfter(node: string, event: RecordLine['event'], afterMs: number): RecordLine | undefined {
    return this.records().find((l) => l.node === node && l.event === event && l.atMs >= afterMs);
  }

  intervals(): Interval[] {
    return intervalsOf(this.records(), this.interruptions);
  }

  /** Every breach of "one node at a time, a guard apart" in the record so far. */
  violations(): string[] {
    return overlapViolations(this.intervals(), this.guardMs);
  }

  log(name: string): string {
    try {
      return readFileSync(this.path(`${name}.log`), 'utf8');
    } catch {
      return '';
    }
  }

  /** Waits for a log line of `name` matching `pattern`: the daemon writes its log off the event loop, a little after the fact. */
  async waitForLog(name: string, pattern: RegExp, timeoutMs = 3_000): Promise<string> {
    return this.waitFor(`${name}'s log to match ${pattern}`, () => this.log(name).split('\n').find((line) => pattern.test(line)), timeoutMs);
  }

  /** The state files, the end of each log and the record, for a failure message. */
  diagnostics(): string {
    const parts: string[] = [];
    for (const name of this.names) {
      const stateFile = this.path(`${name}.state`);
      parts.push(`--- ${name} state file`, existsSync(stateFile) ? readFileSync(stateFile, 'utf8') : '(none)');
      parts.push(`--- ${name} log (end)`, this.log(name).split('\n').slice(-25).join('\n'));
    }
    parts.push('--- record', existsSync(this.recordPath) ? readFileSync(this.recordPath, 'utf8') : '(none)');
    return parts.join('\n');
  }
}
