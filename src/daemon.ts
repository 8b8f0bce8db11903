// The daemon's loop: events into the core, effects out, in a fixed order.
//
// Inputs, each one step of the core at the current monotonic time: a datagram that passed the
// intake, a script that ended, a signal (recorded by its handler, acted on here), a timer at the
// core's next wake-up time. Effects of one step are carried out in this order:
//   1. log lines (so the log explains what follows), and events into the event log,
//   2. send: the peers decide on it (a release, a candidacy, an endorsement), and starting a
//      script blocks the loop for a fork, a millisecond or more; the core has decided already,
//      so the heartbeat reports the same state whether it leaves before the scripts or after,
//   3. kill-script (a stop overtaking a start kills the start's group before stop runs),
//   4. run-script,
//   5. state-changed (the state file is written once, 10 ms later, however many changes: see
//      STATE_FILE_CHANGE_DELAY_MS),
//   6. etcd-want (a revoke asked for here is carried out before the exit that may follow),
//   7. exit.

import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { DaemonOptions } from './cli/args.js';
import { EX_CANTCREAT, EX_CONFIG, EX_DATAERR, EX_OK, EX_OSERR, EX_TEMPFAIL, EX_UNAVAILABLE } from './cli/exit-codes.js';
import type { NodeConfig, NodeResource } from './config/model.js';
import { toCoreConfig } from './config/core-config.js';
import { NodeCore } from './core/node.js';
import type { Command, Effect, Input } from './core/types.js';
import { encodeHeartbeat } from './wire/encode.js';
import { monotonicMs } from './io/clock.js';
import { HeartbeatIntake } from './io/heartbeat-intake.js';
import { acquirePidFile } from './io/pid-file.js';
import { checkScript, checkStartScripts } from './io/script-check.js';
import { scriptCommand } from './io/script-commands.js';
import { ScriptRunner } from './io/script-runner.js';
import { controlSignals, type ControlSignal } from './io/signals.js';
import { formatStateFile, writeFileAtomically } from './io/state-file.js';
import { UdpTransport } from './io/udp-transport.js';
import { ControlServer } from './io/control-server.js';
import type { ControlRequest, ControlResponse, GatewayStatus } from './io/control-protocol.js';
import { buildStatus } from './io/status-document.js';
import { GatewayCheck } from './io/gateway-check.js';
import { formatConfigError } from './config/errors.js';
import { channelsBeyondLoopback, unansweredPeers } from './config/exposure.js';
import { loadConfigFile } from './config/load.js';
import { resolveForNode } from './config/resolve.js';
import { createDaemonLogger, type Logger } from './io/log.js';
import { fileSink } from './io/log-file.js';
import { stderrIsJournal, syslogProblem } from './io/log-destination.js';
import { NameResolver, type ResolvedAddress } from './io/name-resolver.js';
import { DETACHED_ENV, detach, isDetachedChild, reportStartup } from './io/detach.js';
import { EventLog, eventsDocument } from './io/event-log.js';
import { SYSTEMD_NOTIFY_ENV, SystemdNotifier, notifySettings, withoutNotifyEnvironment, type NotifySettings } from './io/systemd-notify.js';
import { isReady, statusLine } from './io/systemd-status.js';
import type { HttpServer } from './http/server.js';
import type { ChannelMetrics, renderMetrics } from './http/metrics.js';
import type { LoopDelayMonitor } from './http/loop-delay.js';
import { ScriptMetrics } from './http/script-metrics.js';
import { DROP_REASONS } from './wire/drop-counters.js';
import { VERSION as WIRE_VERSION } from './wire/format.js';
import { isLoopback } from './config/exposure.js';
import { etcdTtlMs } from './core/quorum.js';
import type { EtcdVoter } from './io/etcd/etcd-voter.js';
import type { EtcdConnection } from './io/status-document.js';

/** The directory of the low-level helpers, put first on every script's PATH. */
const SERVICE_SCRIPTS_DIR = fileURLToPath(new URL('../service_scripts', import.meta.url));
/** The state file is rewritten at least this often, so its time shows the daemon is alive. */
const STATE_FILE_REFRESH_MS = 1000;
/**
 * A change of state is written to the state file this long after it, not in the step that made it:
 * the write (formatting the view, then the file) blocks the loop for a millisecond or more, and
 * a hand-over's answers arrive within a few hops of under a millisecond each after a change. A
 * burst of changes is written once; nobody reading the file notices 10 ms.
 */
const STATE_FILE_CHANGE_DELAY_MS = 10;
/** A timer firing this much later than asked is worth a warning: the host or the loop is overloaded. */
const LATE_TIMER_WARNING_MS = 100;
/** The one tick input, shared: the core only reads it. */
const TICK: Input = Object.freeze({ kind: 'tick' });

/** Where the daemon says why it cannot start: the terminal, or the parent of a background start. */
export interface DaemonIo {
  stderr(text: string): void;
}

export async function runDaemon(options: DaemonOptions, io: DaemonIo): Promise<number> {
  if (!options.foreground && !isDetachedChild()) {
    warnIfTheLogIsLost(options, io);
    return detach({ logFile: options.logFile, stderr: io.stderr });
  }
  const problems = checkStartScripts(options.config);
  if (problems.length > 0) {
    io.stderr(problems.map((p) => `hastmon: ${p}\n`).join(''));
    return EX_CONFIG;
  }
  // Read once, then gone from the environment: nothing the daemon starts may speak for it to systemd.
  const notify = notifySettings(process.env, process.pid);
  for (const name of SYSTEMD_NOTIFY_ENV) delete process.env[name];
  let log: Logger;
  try {
    log = openLog(options);
  } catch (error) {
    io.stderr(`hastmon: ${(error as Error).message}\n`);
    return EX_CANTCREAT;
  }
  const daemon = new Daemon(options, log, io, notify);
  const code = await daemon.run();
  await log.close();
  return code;
}

/**
 * `-L FILE`; else stderr in the foreground, with `<N>` priorities when it is the journal; else
 * syslog, or stderr again (/dev/null in the background, as the start warned) where there is none.
 */
function openLog(options: DaemonOptions): Logger {
  if (options.logFile !== null) {
    const sink = fileSink({ path: options.logFile, pid: process.pid });
    return createDaemonLogger({ foreground: options.foreground, sink, verbosity: options.debug });
  }
  const toStderr = options.foreground || syslogProblem() !== null;
  return createDaemonLogger({ foreground: toStderr, journal: toStderr && stderrIsJournal(), verbosity: options.debug });
}

/** A background start with nowhere to log says so while it still has a terminal. */
function warnIfTheLogIsLost(options: DaemonOptions, io: DaemonIo): void {
  if (options.logFile !== null) return;
  const problem = syslogProblem();
  if (problem === null) return;
  io.stderr(`hastmon: warning: ${problem}: the daemon's messages will be lost; give -L FILE to keep them, or run hastmon -F\n`);
}

class Daemon {
  private config: NodeConfig;
  private readonly core: NodeCore;
  private readonly runner: ScriptRunner;
  private transport: UdpTransport | undefined;
  private control: ControlServer | undefined;
  private gateway: GatewayCheck | undefined;
  /** The read-only HTTP listener (`http`), and what only it reports. */
  private http: HttpServer | undefined;
  private loopDelay: LoopDelayMonitor | undefined;
  private readonly scriptMetrics = new ScriptMetrics();
  /** Heartbeats that passed the intake, per channel: plain increments, allocated once. */
  private acceptedPerChannel: number[] = [];
  private readonly startedAt = Date.now();
  /** The gateway check's last answer, null before the first. */
  private gatewayReachable: boolean | null = null;
  /** Where each peer was last heard from, for `hastmonctl status`: replaced only when it moves, formatted only when asked. */
  private readonly heardFrom = new Map<string, { address: string; port: number }>();
  /** Resources a reload removed, until their stop has run. */
  private readonly retired = new Map<string, NodeResource>();
  private intake: HeartbeatIntake | undefined;
  /** Peer and friend names; those that do not resolve at start are tried again in the background. */
  private readonly names: NameResolver;
  /** Each `remote` as written, and the address it resolved to (for `hastmonctl status`). */
  private readonly remoteAddresses = new Map<string, string>();
  /** Peers resolved after the transport was made but before it runs: given to it once it does. */
  private readonly waitingPeers: Array<{ address: string; port: number }> = [];
  private transportRunning = false;
  private key: Buffer | null = null;
  private timer: NodeJS.Timeout | undefined;
  /** The core's wake-up time the timer is armed for. */
  private timerAt = Infinity;
  /** The core's wake-up time as of its last step: it moves only when the core steps. */
  private wakeAt = -Infinity;
  private readonly pending: Input[] = [];
  /** The inputs of one flush, in the order the core takes them. */
  private readonly batch: Input[] = [];
  private flushQueued = false;
  private refresher: NodeJS.Timeout | undefined;
  /** The write of a change to the state file, due STATE_FILE_CHANGE_DELAY_MS after it. */
  private changeWrite: NodeJS.Timeout | undefined;
  /** The periodic rewrite of the state file is due at the next flush. */
  private refreshDue = false;
  /** The core's recent events, for hastmonctl events. */
  private readonly events = new EventLog();
  private releasePidFile: (() => void) | undefined;
  /** systemd's notification socket (Type=notify), when the daemon runs under it. */
  private notifier: SystemdNotifier | undefined;
  /** The status line last sent to systemd, undefined before READY=1. */
  private sentStatus: string | undefined;
  private finish: ((code: number) => void) | undefined;
  private stopped = false;
  /** etcd as one more voter (an `etcd` section): owns or watches each resource's key. */
  private etcd: EtcdVoter | undefined;

  constructor(
    private readonly options: DaemonOptions,
    private readonly log: Logger,
    private readonly io: DaemonIo,
    private readonly notify: NotifySettings | null = null,
  ) {
    this.config = options.config;
    this.names = new NameResolver({ log: (level, message) => this.log.log(level, message) });
    const coreConfig = toCoreConfig(this.config, {
      forceStart: options.forceStart,
      alert: hasAlertScript,
    });
    this.core = new NodeCore(coreConfig, { now: monotonicMs(), incarnation: nextIncarnation(this.config.stateFile) });
    this.runner = new ScriptRunner({
      log: (level, message) => this.log.log(level, message),
      onDone: (resource, runId, outcome, notStarted) => {
        this.scriptMetrics.exited(runId, outcome, notStarted, monotonicMs());
        this.step({ kind: 'script-done', resource, runId, outcome });
      },
    });
  }

  async run(): Promise<number> {
    const pid = acquirePidFile(this.options.pidFile, process.pid);
    if (!pid.ok) {
      this.io.stderr(`hastmon: ${pid.message}\n`);
      return EX_TEMPFAIL;
    }
    this.releasePidFile = pid.release;
    if (pid.note !== undefined) this.log.log('notice', pid.note);
    try {
      this.key = readKey(this.config);
      this.etcd = await this.openEtcd();
    } catch (error) {
      this.releasePidFile();
      this.io.stderr(`hastmon: ${(error as Error).message}\n`);
      return EX_CONFIG;
    }
    const [friends, peers] = await Promise.all([this.resolveFriends(), this.resolvePeers()]);
    this.intake = new HeartbeatIntake({
      self: this.config.node,
      key: this.key,
      friends,
      peers: this.config.peers,
      resources: this.config.resources.map((r) => r.name),
      supersededAfter: this.config.timing.lease,
      log: (level, message) => this.log.log(level, message),
      now: monotonicMs,
      wallClock: Date.now,
    });
    this.transport = new UdpTransport({
      channels: this.config.channels.map((c) => (c.kind === 'unicast' ? { kind: 'unicast' } : c)),
      listen: { address: this.config.listen.host, port: this.config.listen.port },
      peers,
      onDatagram: (data, from) => this.onDatagram(data, from),
      log: (level, message) => this.log.log(level, message),
    });
    try {
      await this.transport.start();
    } catch (error) {
      this.names.stop();
      await this.etcd?.close(0);
      this.releasePidFile();
      this.io.stderr(`hastmon: ${(error as Error).message}\n`);
      return EX_OSERR;
    }
    this.transportRunning = true;
    this.acceptedPerChannel = this.config.channels.map(() => 0);
    for (const peer of this.waitingPeers.splice(0)) this.addPeer(peer.address, peer.port);
    this.control = new ControlServer(this.config.control, (request) => this.onControl(request), {
      debug: (m) => this.log.log('debug', m),
      warning: (m) => this.log.log('warning', m),
    });
    try {
      await this.control.start();
    } catch (error) {
      await this.abandonStart({ controlStarted: false });
      this.io.stderr(`hastmon: ${(error as Error).message}\n`);
      return EX_OSERR;
    }
    if (!(await this.startHttp())) {
      await this.abandonStart({ controlStarted: true });
      return EX_OSERR;
    }
    if (this.notify !== null) {
      this.notifier = new SystemdNotifier({
        settings: this.notify,
        pid: process.pid,
        privileged: process.getuid?.() === 0,
        log: (level, message) => this.log.log(level, message),
        limited: (key, interval, level, message) => this.log.limited(key, interval, level, message),
      });
      this.notifier.startWatchdog();
    }
    this.warnAboutTwoNodeResources();
    this.reportTrust();
    if (this.options.forceStart) {
      this.log.log('warning', `-m: FORCED START of ${this.config.resources.map((r) => r.name).join(', ')} without asking anyone`);
    }
    this.log.log('notice', `started as node ${this.config.node}, pid ${process.pid}`);
    const done = new Promise<number>((resolve) => {
      this.finish = resolve;
    });
    controlSignals.wakeWith(() => setImmediate(() => this.onSignals()));
    this.refresher = setInterval(() => this.refreshStateFile(), STATE_FILE_REFRESH_MS);
    this.etcd?.start();
    this.step(TICK);
    this.writeStateFile(); // at once: a file left by an earlier incarnation must not be read as ours
    if (this.config.ping !== null) {
      const address = this.config.ping;
      this.gateway = new GatewayCheck(address, (reachable, failure) => {
        if (failure !== undefined) this.log.limited('gateway', 10_000, 'warning', `gateway ${address} did not answer: ${failure}`);
        if (reachable !== this.gatewayReachable) {
          this.gatewayReachable = reachable;
          this.refreshStateFile();
        }
        this.step({ kind: 'gateway', reachable });
      });
      this.gateway.start();
    }
    await reportStartup(EX_OK);
    return done;
  }

  /**
   * etcd's client and the adapter that carries out the core's wishes for each key, when the
   * configuration has an `etcd` section. Throws, with one line, when a TLS file cannot be read.
   * Loaded only then: the HTTP and TLS modules behind them are a megabyte of resident memory that
   * a cluster without etcd never uses.
   */
  private async openEtcd(): Promise<EtcdVoter | undefined> {
    const config = this.config.etcd;
    if (config === null) return undefined;
    const [{ EtcdClient }, { EtcdVoter }] = await Promise.all([import('./io/etcd/etcd-client.js'), import('./io/etcd/etcd-voter.js')]);
    const log = {
      log: (level: Parameters<Logger['log']>[0], message: string) => this.log.log(level, message),
      limited: (key: string, intervalMs: number, level: Parameters<Logger['log']>[0], message: string) => this.log.limited(key, intervalMs, level, message),
    };
    const client = new EtcdClient({ config, now: monotonicMs, log });
    return new EtcdVoter({
      client,
      node: this.config.node,
      incarnation: this.core.view(monotonicMs()).incarnation,
      resources: this.config.resources.map((r) => r.name),
      ttlMs: etcdTtlMs(this.config.timing.lease),
      guardMs: this.config.timing.guard,
      now: monotonicMs,
      onClaim: (input) => this.step(input),
      log,
    });
  }

  /** The etcd connection for status, the state file and metrics; null without etcd. */
  private etcdConnection(): EtcdConnection | null {
    if (this.etcd === undefined) return null;
    const { endpoint, connected, lastError } = this.etcd.status();
    return { endpoint, connected, lastError };
  }

  /** The `http` listener, when configured: false (after saying why) when it cannot listen. */
  /**
   * A start that failed once the heartbeat socket was open: heartbeats heard meanwhile went to the
   * core, which may have set a wake-up timer or started a probe. All of it is undone, so that the
   * process ends with its exit status instead of living on with nothing to serve.
   */
  private async abandonStart(opened: { controlStarted: boolean }): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.names.stop();
    this.runner.killAll();
    if (opened.controlStarted) await this.control?.close();
    await this.transport?.close();
    await this.etcd?.close(0);
    this.releasePidFile?.();
  }

  private async startHttp(): Promise<boolean> {
    const address = this.config.http;
    if (address === null) return true;
    // Loaded only here: a daemon without `http` keeps none of the web modules in memory.
    const [{ HttpServer }, { statusRoutes }, { LoopDelayMonitor }, { renderMetrics }, { hastmonVersion }] = await Promise.all([
      import('./http/server.js'),
      import('./http/routes.js'),
      import('./http/loop-delay.js'),
      import('./http/metrics.js'),
      import('./http/build-info.js'),
    ]);
    const version = hastmonVersion();
    this.loopDelay = new LoopDelayMonitor();
    this.http = new HttpServer({
      host: address.host,
      port: address.port,
      routes: statusRoutes({
        metrics: () => this.metricsText(renderMetrics, version),
        status: () => this.statusDocument('all'),
        events: () => eventsDocument(this.config.node, this.events),
      }),
      log: (level, key, message) => this.log.limited(`http:${key}`, 10_000, level, message),
    });
    try {
      await this.http.start();
    } catch (error) {
      this.http = undefined;
      this.loopDelay = undefined;
      this.io.stderr(`hastmon: ${(error as Error).message}\n`);
      return false;
    }
    this.loopDelay.start();
    const reach = isLoopback(address.host) ? '' : "; it is reachable beyond this host, and whoever reaches it sees the cluster's state";
    this.log.log(isLoopback(address.host) ? 'notice' : 'warning', `http: serving the status page, /metrics, /status.json and /events.json read-only on ${address.text}${reach}`);
    return true;
  }

  /**
   * `friends` as addresses. The intake reads this very set for every datagram, so a friend whose
   * name resolves later is admitted from then on.
   */
  private async resolveFriends(): Promise<Set<string> | null> {
    if (this.config.friends.length === 0) return null;
    const friends = new Set<string>();
    const admit = (addresses: ResolvedAddress[]): null => {
      for (const { address } of addresses) friends.add(address);
      return null;
    };
    await Promise.all(this.config.friends.map((name) => this.names.resolve(name, 'friend', admit)));
    return friends;
  }

  /** The `remote` peers resolved now, for the transport; the others join it when they resolve. */
  private async resolvePeers(): Promise<Array<{ host: string; port: number }>> {
    const now: Array<{ host: string; port: number }> = [];
    const ipv6 = isIPv6(this.config.listen.host);
    await Promise.all(
      this.config.remotes.map((remote) =>
        this.names.resolve(remote.host, 'peer', (addresses) => {
          // An IPv4 socket reaches IPv4 peers only; a dual-stack one prefers IPv4 too.
          const chosen = addresses.find((a) => a.family === 4) ?? (ipv6 ? addresses[0] : undefined);
          if (chosen === undefined) return 'has no IPv4 address, and the listen address is IPv4';
          this.remoteAddresses.set(remote.text, chosen.address);
          if (this.transport === undefined) now.push({ host: chosen.address, port: remote.port });
          else this.addPeer(chosen.address, remote.port);
          return null;
        }),
      ),
    );
    return now;
  }

  /** A peer whose name resolved after start: heartbeats go to it from now on (the resolver says so). */
  private addPeer(address: string, port: number): void {
    if (!this.transportRunning) {
      this.waitingPeers.push({ address, port });
      return;
    }
    const unicast = this.config.channels.findIndex((c) => c.kind === 'unicast');
    if (unicast >= 0) this.transport?.learnPeer(unicast, address, port);
  }

  private warnAboutTwoNodeResources(): void {
    // etcd is the third voter: two nodes and etcd make a quorum of two of three.
    if (this.config.etcd !== null) return;
    for (const r of this.config.resources) {
      const voters = r.members.length;
      const watchdogs = r.members.filter((m) => m.roleOnStart === 'watchdog').length;
      if (r.discoverMembers === undefined && voters === 2 && watchdogs === 0) {
        this.log.log(
          'warning',
          `resource ${r.name} has two nodes and no watchdog: quorum is impossible, so each node takes over once the ` +
            `other is silent, and a partition can run it on both. ${twoNodeRemedies(this.config, r)}`,
        );
      }
    }
  }

  /** What this node trusts, said once at start (hastmon.conf(5), WITHOUT A KEY). */
  private reportTrust(): void {
    if (this.key !== null) {
      this.log.log('notice', 'heartbeats are authenticated with HMAC-SHA256: only nodes that have the key are heard');
      return;
    }
    const trust =
      'no key: heartbeats are only checked for corruption (CRC-32), not authenticated; whoever can send a datagram ' +
      'to this node can speak for any node of the cluster, and so start or stop its resources (hastmon -k makes a key)';
    const beyond = channelsBeyondLoopback(this.config, this.transport?.peerAddresses() ?? []);
    if (beyond.length === 0) this.log.log('notice', trust);
    else this.log.log('warning', `${trust}; heartbeats reach beyond this host on ${beyond.join('; ')}`);
    const unanswered = unansweredPeers(this.config);
    if (unanswered !== null) {
      this.log.log(
        'warning',
        `no key: this node sends its heartbeats only to its ${unanswered.remotes} remote address${unanswered.remotes === 1 ? '' : 'es'}, ` +
          `never to one it was not given, but the cluster has ${unanswered.others} other nodes: list each of them in remote, or add a key`,
      );
    }
  }

  // -------------------------------------------------------------------------------------------
  // Inputs.

  private onDatagram(data: Buffer, from: { address: string; port: number; channel: number }): void {
    const heartbeat = this.intake?.accept(data, from);
    if (heartbeat === undefined) return;
    const last = this.heardFrom.get(heartbeat.node);
    if (last === undefined || last.address !== from.address || last.port !== from.port) {
      this.heardFrom.set(heartbeat.node, { address: from.address, port: from.port });
    }
    this.acceptedPerChannel[from.channel] = (this.acceptedPerChannel[from.channel] ?? 0) + 1;
    // Only a heartbeat with a valid MAC proves its source is a node of the cluster: without a key,
    // anyone could make this node send its heartbeats anywhere.
    if (this.key !== null && this.transport?.learnPeer(from.channel, from.address, from.port) === true) {
      this.log.log('info', `answering ${heartbeat.node} at ${from.address}:${from.port}, where it was heard`);
    }
    this.step({ kind: 'heartbeat', heartbeat });
  }

  private onSignals(): void {
    for (const signal of controlSignals.drain()) {
      const command = commandFor(signal);
      if (command.type === 'term') this.notifier?.stopping();
      this.log.log('notice', `received ${signal}`);
      this.step({ kind: 'command', command });
    }
  }

  // -------------------------------------------------------------------------------------------
  // hastmonctl.

  private async onControl(request: ControlRequest): Promise<ControlResponse> {
    if (request.command === 'reload') return this.reload();
    if (request.command === 'reopen-log') return this.reopenLog();
    if (request.command === 'events') return { ok: true, events: eventsDocument(this.config.node, this.events, request.limit) };
    if (request.command !== 'role' && request.command !== 'offline' && request.command !== 'clear' && request.command !== 'status') {
      return { ok: false, exitCode: EX_DATAERR, message: 'unknown command' };
    }
    const unknown = request.resources === 'all' ? [] : request.resources.filter((name) => this.resourceConfig(name) === undefined);
    if (unknown.length > 0) return { ok: false, exitCode: EX_DATAERR, message: `no such resource: ${unknown.join(', ')}` };
    switch (request.command) {
      case 'status':
        return { ok: true, status: this.statusDocument(request.resources) };
      case 'role':
        this.log.log('notice', `hastmonctl: role ${request.role} ${describeSelection(request.resources)}`);
        this.step({ kind: 'command', command: { type: 'role', role: request.role, resources: request.resources } });
        return { ok: true };
      case 'offline': {
        const seconds = request.seconds ?? this.config.timing.offlineDefault / 1000;
        const names = request.resources === 'all' ? this.config.resources.map((r) => r.name) : request.resources;
        this.log.log('notice', `hastmonctl: offline for ${seconds} s: ${names.join(', ')}`);
        const command: Command =
          request.seconds === undefined
            ? { type: 'offline', resources: request.resources }
            : { type: 'offline', seconds: request.seconds, resources: request.resources };
        this.step({ kind: 'command', command });
        return { ok: true, message: `offline for ${seconds} s: releasing ${names.join(', ')}` };
      }
      case 'clear':
        this.log.log('notice', `hastmonctl: clear ${describeSelection(request.resources)}`);
        this.step({ kind: 'command', command: { type: 'clear', resources: request.resources } });
        return { ok: true };
    }
  }

  private gatewayStatus(): GatewayStatus | null {
    return this.config.ping === null ? null : { address: this.config.ping, reachable: this.gatewayReachable };
  }

  private statusDocument(selection: string[] | 'all') {
    const view = this.core.view(monotonicMs());
    const doc = buildStatus(view, this.config, {
      pid: process.pid,
      time: new Date(),
      drops: this.intake?.drops.nonZero() ?? [],
      heardFrom: new Map([...this.heardFrom].map(([node, at]) => [node, `${at.address}:${at.port}`])),
      remoteAddresses: this.remoteAddresses,
      gateway: this.gatewayStatus(),
      etcd: this.etcdConnection(),
    });
    if (selection === 'all') return doc;
    const etcd = doc.etcd === null ? null : { ...doc.etcd, resources: doc.etcd.resources.filter((r) => selection.includes(r.name)) };
    return { ...doc, etcd, resources: doc.resources.filter((r) => selection.includes(r.name)) };
  }

  /** /metrics, rendered from the core's view and the shell's counters at the moment it is asked. */
  private metricsText(render: typeof renderMetrics, version: string): string {
    const now = monotonicMs();
    const view = this.core.view(now);
    const heard = new Map(this.core.lastHeard(now).map((p) => [p.node, p.agoMs]));
    const peers =
      this.config.peers.kind === 'configured'
        ? this.config.peers.nodes.filter((n) => n.toLowerCase() !== this.config.node.toLowerCase())
        : [...heard.keys()];
    const counters = this.transport?.channelCounters() ?? [];
    const channels: ChannelMetrics[] = this.config.channels.map((c, index) => ({
      index,
      kind: c.kind,
      address: c.kind === 'multicast' ? hostPort(c.group, c.port) : c.kind === 'broadcast' ? hostPort(c.address, c.port) : this.config.listen.text,
      sent: counters[index]?.sent ?? 0,
      sendErrors: counters[index]?.sendErrors ?? 0,
      received: counters[index]?.received ?? 0,
      accepted: this.acceptedPerChannel[index] ?? 0,
    }));
    return render({
      node: this.config.node,
      version,
      wireVersion: WIRE_VERSION,
      startTimeSeconds: Math.floor(this.startedAt / 1000),
      resources: view.resources.map((r) => ({ view: r, members: this.membersOf(r.name, r.peers.map((p) => p.node)) })),
      peers: peers.map((node) => {
        const ago = heard.get(node);
        return { node, heardAgoSeconds: ago === undefined ? null : ago / 1000 };
      }),
      channels,
      drops: DROP_REASONS.map((reason) => ({ reason, count: this.intake?.drops.count(reason) ?? 0 })),
      scripts: this.scriptMetrics,
      loopDelay: this.loopDelay?.read() ?? null,
      etcd: this.etcd === undefined ? null : { connected: this.etcd.status().connected, requests: this.etcd.requestCounts() },
    });
  }

  /** The nodes that may hold a resource's holder series: as configured, or (freehad) this node and those heard. */
  private membersOf(resource: string, seen: string[]): string[] {
    const configured = this.scriptsOf(resource);
    if (configured !== undefined && configured.discoverMembers === undefined) return configured.members.map((m) => m.node);
    return [this.config.node, ...seen.filter((n) => n !== this.config.node)];
  }

  /** `hastmonctl reopen-log`: logrotate has moved the log file away (its postrotate). */
  private reopenLog(): ControlResponse {
    const result = this.log.reopen();
    if (result === 'no-file') return { ok: false, exitCode: EX_UNAVAILABLE, message: 'not logging to a file (-L): nothing to reopen' };
    if (result !== 'reopened') {
      this.log.log('error', `log file not reopened, still writing the old one: ${result.failed}`);
      return { ok: false, exitCode: EX_CANTCREAT, message: `${result.failed}; still writing the old file` };
    }
    this.log.log('notice', `log file ${this.options.logFile ?? ''} reopened`);
    return { ok: true, message: 'log file reopened' };
  }

  /**
   * Re-read the configuration. A bad one is refused with its errors and the running one kept;
   * what cannot change under a running daemon (its sockets, key, node, cluster timing) is refused
   * with a word on how to change it; the rest goes to the core, which leaves unchanged resources alone.
   */
  private async reload(): Promise<ControlResponse> {
    const path = this.options.configPath;
    if (path === null) return { ok: false, exitCode: EX_UNAVAILABLE, message: 'running without a configuration file: nothing to reload' };
    const answer = await this.tryReload(path);
    if (!answer.ok) {
      for (const line of answer.message.split('\n')) this.log.log(answer.exitCode === EX_CONFIG ? 'warning' : 'error', `reload: ${line}`);
    }
    return answer;
  }

  private async tryReload(path: string): Promise<ControlResponse> {
    const loaded = await loadConfigFile(path);
    if (loaded === null) return { ok: false, exitCode: EX_CONFIG, message: `${path}: configuration file not found; keeping the running one` };
    if (!loaded.ok) return refuse(loaded.errors.map(formatConfigError));
    const resolved = resolveForNode(loaded.config, this.config.node);
    if (!resolved.ok) return refuse(resolved.errors.map(formatConfigError));
    const next: NodeConfig = { ...resolved.config, stateFile: this.config.stateFile };
    const problems = checkStartScripts(next);
    if (problems.length > 0) return refuse(problems);
    const fixed = unchangeable(this.config, next);
    if (fixed.length > 0) return refuse([`${fixed.join(', ')} changed: restart hastmon to apply that`]);
    const result = this.core.reconfigure(monotonicMs(), toCoreConfig(next, { forceStart: false, alert: hasAlertScript }));
    if (!result.ok) return refuse([result.message]);
    // A removed resource is still stopped with its old scripts: keep them until the core lets go.
    for (const old of this.config.resources) {
      if (!next.resources.some((r) => r.name === old.name)) this.retired.set(old.name, old);
    }
    for (const name of next.resources.map((r) => r.name)) this.retired.delete(name);
    this.config = next;
    this.intake?.reconfigure(next.peers);
    // A resource the reload added has a key too; those removed keep theirs until their stop ends.
    this.etcd?.addResources(next.resources.map((r) => r.name));
    this.log.log('notice', `configuration reloaded from ${path}`);
    this.carryOut(result.effects);
    this.schedule();
    return { ok: true, message: 'configuration reloaded' };
  }

  /**
   * Every input waits for the end of the loop's poll phase (setImmediate) and goes to the core in
   * one batch with whatever else arrived meanwhile. After the process was stopped or the loop ran
   * late, the due tick and the datagrams queued in the kernel are thus decided on together, and no
   * peer is judged silent before its waiting heartbeats were read.
   */
  private step(input: Input): void {
    if (this.stopped) return;
    this.pending.push(input);
    this.queueFlush();
  }

  /**
   * The periodic rewrite waits for the same flush: written straight from its timer after a pause,
   * the file would show every peer TIMEDOUT until the next rewrite, their heartbeats still unread.
   */
  private refreshStateFile(): void {
    this.refreshDue = true;
    this.queueFlush();
  }

  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(this.flushNow);
  }

  /** flush, bound once: no closure per datagram. */
  private readonly flushNow = (): void => this.flush();

  private flush(): void {
    this.flushQueued = false;
    if (this.stopped) {
      this.pending.length = 0;
      return;
    }
    if (this.pending.length > 0) {
      // The tick goes last: it is the moment of deciding, after everything else was taken in.
      // Both arrays are reused: the core reads the batch during the step and keeps none of it.
      const batch = this.batch;
      let tick = false;
      for (const input of this.pending) {
        if (input.kind === 'tick') tick = true;
        else batch.push(input);
      }
      this.pending.length = 0;
      if (tick) batch.push(TICK);
      try {
        this.carryOut(this.core.stepAll(monotonicMs(), batch));
      } finally {
        batch.length = 0;
      }
      if (!this.stopped) this.schedule();
      // A node whose resources need no start-up check (a watchdog) is ready without a change of state.
      if (this.sentStatus === undefined) this.tellSystemd();
    }
    if (this.refreshDue) this.writeStateFile();
  }

  /**
   * One timer at the core's next wake-up, re-armed only when that moves earlier or the timer has
   * fired: a timer due earlier than needed only brings a tick at which nothing is due, after which
   * it is armed for the real time. Most steps (a heartbeat heard) leave the wake-up where it was.
   */
  private schedule(): void {
    this.arm(this.core.nextWakeAt());
  }

  /** The timer, at `at` (the core's wake-up, already worked out). */
  private arm(at: number): void {
    this.wakeAt = at;
    if (this.timer !== undefined) {
      if (this.timerAt <= at) return;
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (!Number.isFinite(at)) return;
    this.timerAt = at;
    this.timer = setTimeout(this.onTimer, Math.ceil(Math.max(0, at - monotonicMs())));
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    const now = monotonicMs();
    // Armed for a wake-up that a step has since put back (an answer delays the next regular
    // heartbeat): nothing is due, so no step; the simulator, too, ticks a core only when it asks.
    if (this.wakeAt > now) {
      // No input came since the step that put it back: its wake-up stands, nothing to work out.
      if (!this.stopped) this.arm(this.wakeAt);
      return;
    }
    const late = now - this.timerAt;
    if (late > LATE_TIMER_WARNING_MS) {
      this.log.limited('late-timer', 10_000, 'warning', `event loop ran ${Math.round(late)} ms late`);
    }
    this.step(TICK);
  };

  // -------------------------------------------------------------------------------------------
  // Effects, in the order documented at the top of this file.

  /** In the order documented at the top of this file: one pass per kind, nothing allocated for a step that only sends. */
  private carryOut(effects: readonly Effect[]): void {
    let stateChanged = false;
    let exit: number | undefined;
    let eventTime: Date | undefined;
    for (const e of effects) {
      if (e.kind === 'log') this.log.log(e.level, e.message);
      else if (e.kind === 'state-changed') stateChanged = true;
      else if (e.kind === 'exit') exit ??= e.code;
    }
    for (const e of effects) {
      if (e.kind !== 'event') continue;
      eventTime ??= new Date();
      this.events.add(e, eventTime);
    }
    for (const e of effects) if (e.kind === 'send') this.send(e.heartbeat);
    for (const e of effects) {
      if (e.kind !== 'kill-script') continue;
      this.runner.kill(e.runId);
      this.scriptMetrics.ended(e.runId, 'killed', monotonicMs());
    }
    for (const e of effects) if (e.kind === 'run-script') this.runScript(e);
    if (stateChanged) {
      this.writeChangeSoon();
      this.tellSystemd();
    }
    for (const e of effects) if (e.kind === 'etcd-want') this.etcd?.want(e);
    if (exit !== undefined) void this.shutdown(exit);
  }

  /** READY=1 once every resource's start-up check is over; STATUS= again whenever the summary changes. */
  private tellSystemd(): void {
    if (this.notifier === undefined || this.stopped) return;
    const view = this.core.view(monotonicMs());
    if (this.sentStatus === undefined && !isReady(view)) return;
    const line = statusLine(view);
    if (line === this.sentStatus) return;
    if (this.sentStatus === undefined) this.notifier.ready(line);
    else this.notifier.status(line);
    this.sentStatus = line;
  }

  private runScript(effect: Extract<Effect, { kind: 'run-script' }>): void {
    const resource = this.scriptsOf(effect.resource);
    const command = resource === undefined ? undefined : scriptCommand(resource, effect.action, effect.args);
    if (resource === undefined || command === undefined) {
      // Never pretend a script ran: a stop that could not run is a failed stop.
      this.log.log('error', `${effect.resource}: no ${effect.action} script to run; counted as a failure`);
      this.step({ kind: 'script-done', resource: effect.resource, runId: effect.runId, outcome: { code: null, timedOut: false } });
      return;
    }
    this.scriptMetrics.started(effect.runId, effect.resource, effect.action, monotonicMs());
    this.runner.run({
      resource: effect.resource,
      runId: effect.runId,
      label: effect.action,
      command: command.command,
      args: command.args,
      timeoutMs: effect.timeoutMs,
      env: this.scriptEnvironment(resource, effect.action),
    });
  }

  private scriptEnvironment(resource: NodeResource, action: string): Record<string, string> {
    // Never systemd's socket: a script must not speak for hastmon (nor a service it starts for itself).
    const env = withoutNotifyEnvironment(process.env);
    delete env[DETACHED_ENV];
    env['PATH'] = `${SERVICE_SCRIPTS_DIR}:${process.env['PATH'] ?? '/usr/bin:/bin'}`;
    env['HASTMON_RESOURCE'] = resource.name;
    env['HASTMON_NODE'] = this.config.node;
    env['HASTMON_PID'] = String(process.pid);
    env['HASTMON_EVENT'] = action;
    env['HASTMON_PEERS'] = resource.members.map((m) => m.node).filter((n) => n !== this.config.node).join(' ');
    return env;
  }

  private resourceConfig(name: string): NodeResource | undefined {
    return this.config.resources.find((r) => r.name === name);
  }

  /** The scripts to run for `name`: its configuration, or the one it had before a reload dropped it. */
  private scriptsOf(name: string): NodeResource | undefined {
    return this.resourceConfig(name) ?? this.retired.get(name);
  }

  private send(heartbeat: Parameters<typeof encodeHeartbeat>[0]): void {
    let datagram: Buffer;
    try {
      datagram = encodeHeartbeat(heartbeat, this.key);
    } catch (error) {
      this.log.limited('encode', 10_000, 'error', `cannot send a heartbeat: ${(error as Error).message}`);
      return;
    }
    this.transport?.send(datagram);
  }

  /** The change is written through the flush, as the periodic rewrite is (refreshStateFile). */
  private writeChangeSoon(): void {
    if (this.changeWrite !== undefined) return;
    this.changeWrite = setTimeout(() => {
      this.changeWrite = undefined;
      this.refreshStateFile();
    }, STATE_FILE_CHANGE_DELAY_MS);
  }

  private writeStateFile(): void {
    this.refreshDue = false;
    if (this.stopped) return;
    try {
      const text = formatStateFile(this.core.view(monotonicMs()), {
        pid: process.pid,
        writtenAt: new Date(),
        gateway: this.gatewayStatus(),
        etcd: this.etcdConnection(),
      });
      writeFileAtomically(this.config.stateFile, text);
    } catch (error) {
      this.log.limited('state-file', 10_000, 'error', `cannot write ${this.config.stateFile}: ${(error as Error).message}`);
    }
  }

  private async shutdown(code: number): Promise<void> {
    this.writeStateFile();
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.refresher !== undefined) clearInterval(this.refresher);
    if (this.changeWrite !== undefined) clearTimeout(this.changeWrite);
    this.notifier?.stopWatchdog();
    controlSignals.stopWaking();
    this.names.stop();
    this.gateway?.stop();
    this.runner.killAll();
    // The revokes the core asked for (its want=false came just before the exit) and any lease still
    // ours are carried out now, bounded, so that the next holder need not wait for the TTL.
    const etcdClosed = this.etcd?.close(this.etcd.closeBoundMs());
    await this.control?.close();
    await this.http?.close();
    this.loopDelay?.stop();
    await this.transport?.close();
    await etcdClosed;
    this.releasePidFile?.();
    this.log.log('notice', 'exiting');
    this.finish?.(code === 0 ? EX_OK : code);
  }
}

/** FreeHA's optional `alerthasrv`: called on every state change when it is there. */
function hasAlertScript(resource: NodeResource): boolean {
  return resource.scripts.kind === 'scripts' && checkScript(resource.scripts.alert, { asRoot: process.getuid?.() === 0 }) === undefined;
}

/** What a two-node resource lacks against a partition: only the remedies not already configured. */
export function twoNodeRemedies(config: Pick<NodeConfig, 'channels' | 'ping'>, resource: Pick<NodeResource, 'fence'>): string {
  const missing = ['a watchdog node'];
  if (config.channels.length < 2) missing.push('a second heartbeat channel');
  if (config.ping === null) missing.push('ping');
  if (resource.fence === null) missing.push('a fence script');
  const last = missing.pop() as string;
  return `Add ${missing.length === 0 ? last : `${missing.join(', ')} or ${last}`}.`;
}

function hostPort(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

function refuse(messages: string[]): ControlResponse {
  return { ok: false, exitCode: EX_CONFIG, message: `${messages.join('\n')}\nreload refused: the running configuration is kept` };
}

function describeSelection(selection: string[] | 'all'): string {
  return selection === 'all' ? 'all' : selection.join(' ');
}

/** What a reload cannot change: the daemon's sockets, identity, key and etcd connection. */
function unchangeable(running: NodeConfig, next: NodeConfig): string[] {
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  const changed: string[] = [];
  if (!same(running.listen, next.listen)) changed.push('listen');
  if (running.control !== next.control) changed.push('control');
  if (!same(running.http, next.http)) changed.push('http');
  if (!same(running.channels, next.channels)) changed.push('channel or remote');
  if (!same(running.key, next.key)) changed.push('key');
  if (!same(running.friends, next.friends)) changed.push('friends');
  if (running.ping !== next.ping) changed.push('ping');
  if (!same(running.etcd, next.etcd)) changed.push('etcd');
  return changed;
}

/**
 * The wall clock at start, but always above the incarnation the previous run wrote into the state
 * file: peers ignore a lower one, and a clock stepped back before a restart must not make this
 * node invisible to them.
 */
function nextIncarnation(stateFile: string): number {
  let previous = 0;
  try {
    previous = Number(/\bincarnation (\d+)/.exec(readFileSync(stateFile, 'utf8'))?.[1] ?? 0);
  } catch {
    // No earlier run here.
  }
  return Math.max(Date.now(), previous + 1);
}

function commandFor(signal: ControlSignal): Command {
  switch (signal) {
    case 'SIGHUP':
      return { type: 'hup' };
    case 'SIGUSR1':
      return { type: 'force-start', resources: 'all' };
    case 'SIGUSR2':
      return { type: 'clear', resources: 'all' };
    case 'SIGTERM':
    case 'SIGINT':
      return { type: 'term' };
  }
}

function readKey(config: NodeConfig): Buffer | null {
  const key = config.key;
  if (key === null) return null;
  if (key.source === 'secret') return Buffer.from(key.secret, 'utf8');
  try {
    return Buffer.from(readFileSync(key.path, 'utf8').trim(), 'utf8');
  } catch (error) {
    throw new Error(`cannot read the key file ${key.path}: ${(error as Error).message}`);
  }
}
