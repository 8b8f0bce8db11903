// Telling systemd how hastmon is (sd_notify(3)): READY=1, STATUS=, WATCHDOG=1, STOPPING=1.
// Node has no Unix datagram sockets, so each message is one run of
// `systemd-notify --no-block --pid=<hastmon's pid> MSG...`. With --pid, systemd 252 sends the
// datagram with hastmon's pid in its credentials (and MAINPID=<pid> in the text), which needs
// CAP_SYS_ADMIN: as root the message counts as the main process's, so NotifyAccess=main holds.
// Without that capability the kernel refuses the pid, systemd-notify sends with its own, and
// systemd drops the message under NotifyAccess=main: the daemon then says so once.
//
// Bounded: at most one run in flight per kind of message; a run is killed after a timeout; a
// watchdog ping due while the previous one still runs is skipped, a status due meanwhile is sent
// after it (only the newest). Failures are logged at a bounded rate; a missing systemd-notify once.

import { spawn, type ChildProcess } from 'node:child_process';
import type { LogLevel } from '../core/types.js';

/** The variables systemd passes to its service (sd_listen_fds(3), sd_watchdog_enabled(3)). */
export const SYSTEMD_NOTIFY_ENV = ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID'] as const;

/** systemd-notify --no-block returns in milliseconds; one that hangs this long is stuck. */
export const NOTIFY_TIMEOUT_MS = 5_000;

/** A failed notification is logged at most this often: the watchdog may fail every few seconds. */
const FAILURE_LOG_INTERVAL_MS = 60_000;

/** The shortest watchdog ping interval: a smaller WATCHDOG_USEC would only spawn processes in a loop. */
const MIN_WATCHDOG_PING_MS = 50;

export type NotifyKind = 'ready' | 'status' | 'watchdog' | 'stopping';

export interface NotifySettings {
  socket: string;
  /** Half of WATCHDOG_USEC in milliseconds, or null when systemd watches nothing (or another pid). */
  watchdogPingMs: number | null;
}

/**
 * What systemd asked for, from the daemon's environment: null without NOTIFY_SOCKET. The watchdog
 * applies to this process only when WATCHDOG_PID is unset or names it (sd_watchdog_enabled(3)).
 */
export function notifySettings(env: NodeJS.ProcessEnv, pid: number): NotifySettings | null {
  const socket = env['NOTIFY_SOCKET'];
  if (socket === undefined || socket === '') return null;
  const usec = Number(env['WATCHDOG_USEC']);
  const watchdogPid = env['WATCHDOG_PID'];
  const forUs = watchdogPid === undefined || watchdogPid === '' || watchdogPid === String(pid);
  const watchdogPingMs = forUs && Number.isSafeInteger(usec) && usec > 0 ? Math.max(MIN_WATCHDOG_PING_MS, usec / 2 / 1000) : null;
  return { socket, watchdogPingMs };
}

/** A copy of `env` without systemd's notification variables: what scripts and helpers get. */
export function withoutNotifyEnvironment(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined && !(SYSTEMD_NOTIFY_ENV as readonly string[]).includes(k)) out[k] = v;
  }
  return out;
}

export interface NotifierOptions {
  settings: NotifySettings;
  pid: number;
  log(level: LogLevel, message: string): void;
  /** A message logged at most once per `intervalMs` under `key`. */
  limited(key: string, intervalMs: number, level: LogLevel, message: string): void;
  /** The program; tests give another. */
  command?: string;
  timeoutMs?: number;
  /** Whether this process may send with its own pid as credentials (root); else it warns once. */
  privileged: boolean;
}

export class SystemdNotifier {
  private readonly inFlight = new Map<NotifyKind, ChildProcess>();
  /** A status that came while one was being sent: the newest only. */
  private pendingStatus: string | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private missing = false;
  private readonly command: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: NotifierOptions) {
    this.command = options.command ?? 'systemd-notify';
    this.timeoutMs = options.timeoutMs ?? NOTIFY_TIMEOUT_MS;
    if (!options.privileged) {
      options.log(
        'warning',
        'NOTIFY_SOCKET is set but hastmon does not run as root: systemd-notify cannot send with its pid, so systemd ' +
          'drops its messages unless the unit says NotifyAccess=all',
      );
    }
  }

  /** READY=1 with the first status line. */
  ready(status: string): void {
    this.send('ready', ['READY=1', `STATUS=${status}`]);
  }

  status(status: string): void {
    if (this.inFlight.has('status')) {
      this.pendingStatus = status;
      return;
    }
    this.send('status', [`STATUS=${status}`]);
  }

  stopping(): void {
    this.stopWatchdog();
    this.send('stopping', ['STOPPING=1', 'STATUS=shutting down: stopping the resources held here']);
  }

  /** WATCHDOG=1 every `settings.watchdogPingMs` from a timer on the event loop: a wedged loop stops pinging. */
  startWatchdog(): void {
    const every = this.options.settings.watchdogPingMs;
    if (every === null || this.watchdog !== undefined) return;
    this.watchdog = setInterval(() => {
      if (!this.inFlight.has('watchdog')) this.send('watchdog', ['WATCHDOG=1']);
    }, every);
  }

  stopWatchdog(): void {
    if (this.watchdog !== undefined) clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  /** One run of systemd-notify, never waited for by the caller. Resolves when it is over. */
  private send(kind: NotifyKind, messages: string[]): Promise<void> {
    if (this.missing) return Promise.resolve();
    const args = ['--no-block', `--pid=${this.options.pid}`, ...messages];
    let child: ChildProcess;
    try {
      child = spawn(this.command, args, {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', NOTIFY_SOCKET: this.options.settings.socket },
      });
    } catch (error) {
      this.failed(kind, (error as Error).message);
      return Promise.resolve();
    }
    this.inFlight.set(kind, child);
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      if (stderr.length < 1000) stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), this.timeoutMs);
    return new Promise((resolve) => {
      let over = false;
      const done = (problem: string | undefined): void => {
        if (over) return;
        over = true;
        clearTimeout(timer);
        this.inFlight.delete(kind);
        if (problem !== undefined) this.failed(kind, problem);
        if (kind === 'status' && this.pendingStatus !== undefined) {
          const next = this.pendingStatus;
          this.pendingStatus = undefined;
          this.status(next);
        }
        resolve();
      };
      child.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') {
          this.missing = true;
          this.stopWatchdog();
          this.options.log('error', `NOTIFY_SOCKET is set but ${this.command} was not found: systemd will not hear that hastmon is ready or alive`);
          done(undefined);
          return;
        }
        done(error.message);
      });
      child.on('exit', (code, signal) => {
        if (code === 0) done(undefined);
        else if (signal !== null) done(`killed by ${signal}${signal === 'SIGKILL' ? ` after ${this.timeoutMs} ms` : ''}`);
        else done(`exited ${code ?? '?'}${stderr.trim() === '' ? '' : `: ${stderr.trim().split('\n')[0] ?? ''}`}`);
      });
    });
  }

  private failed(kind: NotifyKind, problem: string): void {
    this.options.limited('systemd-notify', FAILURE_LOG_INTERVAL_MS, 'warning', `systemd-notify (${kind}) failed: ${problem}`);
  }
}
