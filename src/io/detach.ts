// Going into the background (hastmon without -F): the command re-runs itself as a child in a new
// session (setsid), with standard input and output on /dev/null and standard error on the log
// file (-L) or /dev/null, so that it holds nothing of the terminal or of an `ssh node hastmon`.
// The parent waits until the child says it is up (pid file taken, sockets bound) or has failed,
// prints what the child would have printed, and exits with the child's status: `hastmon && echo
// started` means what it says.

import { spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { EX_CANTCREAT, EX_OSERR, EX_SOFTWARE } from '../cli/exit-codes.js';
import { formatStderrLine } from './log.js';
import { daemonNodeOptions } from '../cli/memory-mode.js';

/** Set in the child's environment: it is the detached daemon and must not detach again. */
export const DETACHED_ENV = 'HASTMON_DETACHED';

/** How long the parent waits for the child to report before giving up on it. */
export const READY_TIMEOUT_MS = 30_000;

/** The child's start-up messages kept for the parent: a few lines, bounded. */
const MAX_STARTUP_TEXT_CHARS = 16 * 1024;

/** The log file may name peers, addresses and scripts (as log-file.ts opens it). */
const LOG_FILE_MODE = 0o640;

/** The one message the child sends: its start-up status, and on failure what it had to say. */
interface StartupReport {
  hastmonStartup: { code: number; text: string };
}

function isStartupReport(message: unknown): message is StartupReport {
  const report = (message as Partial<StartupReport> | null)?.hastmonStartup;
  return typeof report?.code === 'number' && typeof report.text === 'string';
}

export function isDetachedChild(): boolean {
  return process.env[DETACHED_ENV] === '1' && typeof process.send === 'function';
}

// ------------------------------------------------------------------------------------------------
// In the child.

let startupText = '';
let reported = false;

/** `hastmon: warning: …` and `hastmon: …` lines as the log file's own lines. */
function asLogLines(text: string): string {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const message = line.replace(/^hastmon: /, '');
      const warning = message.startsWith('warning: ');
      return formatStderrLine(Date.now(), process.pid, warning ? 'warning' : 'error', warning ? message.slice(9) : message);
    })
    .join('');
}

/**
 * The detached child's stderr: what it writes goes to its own fd 2 (the log file, or /dev/null),
 * in the log's format, and, until start-up is over, is also kept for the parent to print.
 */
export function writeDetachedStderr(text: string): void {
  try {
    writeSync(2, asLogLines(text));
  } catch {
    // Nowhere to write: the parent still gets the text.
  }
  if (!reported) startupText = (startupText + text).slice(0, MAX_STARTUP_TEXT_CHARS);
}

/**
 * In the child: tells the waiting parent that start-up is over, with `code` 0 (up) or the exit
 * status it is failing with; on failure the parent prints what the child wrote to stderr. Only
 * the first call counts; outside a detached child it does nothing.
 */
export function reportStartup(code: number): Promise<void> {
  if (!isDetachedChild() || reported) return Promise.resolve();
  reported = true;
  const report: StartupReport = { hastmonStartup: { code, text: code === 0 ? '' : startupText } };
  startupText = '';
  return new Promise((resolve) => {
    const done = (): void => {
      // From now on nothing ties the daemon to the command that started it.
      if (process.connected) process.disconnect();
      resolve();
    };
    try {
      // The callback runs once the message is written (or failed: the parent is gone).
      process.send?.(report, undefined, {}, done);
    } catch {
      done();
    }
  });
}

// ------------------------------------------------------------------------------------------------
// In the parent.

export interface DetachOptions {
  /** `-L`: the child's stderr, so that even a crash's last words are kept. */
  logFile: string | null;
  stderr: (text: string) => void;
}

/** Opens the child's stderr: the log file, or /dev/null. */
function openChildStderr(logFile: string | null): { fd: number } | { error: string } {
  try {
    return { fd: logFile === null ? openSync('/dev/null', 'w') : openSync(logFile, 'a', LOG_FILE_MODE) };
  } catch (error) {
    return { error: `cannot open the log file ${logFile ?? '/dev/null'}: ${(error as Error).message}` };
  }
}

/**
 * The child's environment: the parent's, marked. Under a service manager the child keeps
 * NOTIFY_SOCKET and WATCHDOG_USEC, since it is the daemon that notifies; a WATCHDOG_PID naming this
 * parent, which exits once the child is up, is dropped, so that the watchdog applies to the child
 * (sd_watchdog_enabled(3): no WATCHDOG_PID means any reader). hastmon(8) says what systemd needs.
 */
export function detachedEnvironment(env: NodeJS.ProcessEnv, parentPid: number): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env, [DETACHED_ENV]: '1' };
  if (out['WATCHDOG_PID'] === String(parentPid)) delete out['WATCHDOG_PID'];
  return out;
}

/** In the parent: starts the detached daemon and resolves with its start-up status. */
export function detach(options: DetachOptions): Promise<number> {
  const stderr = openChildStderr(options.logFile);
  if ('error' in stderr) {
    options.stderr(`hastmon: ${stderr.error}\n`);
    return Promise.resolve(EX_CANTCREAT);
  }
  const seeLog = options.logFile === null ? '' : `; see ${options.logFile}`;
  return new Promise((resolve) => {
    let settled = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const child = spawn(process.execPath, [...daemonNodeOptions(process.execArgv), ...process.argv.slice(1)], {
      detached: true,
      stdio: ['ignore', 'ignore', stderr.fd, 'ipc'],
      env: detachedEnvironment(process.env, process.pid),
    });
    closeSync(stderr.fd);

    const settle = (code: number, message?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (message !== undefined) options.stderr(message);
      // The listeners stay: a late event must find one, never crash the parent.
      if (child.connected) child.disconnect();
      child.unref();
      resolve(code);
    };
    const timer = setTimeout(() => {
      settle(EX_SOFTWARE, `hastmon: the daemon (pid ${child.pid ?? '?'}) did not report within ${READY_TIMEOUT_MS / 1000} s${seeLog}\n`);
    }, READY_TIMEOUT_MS);

    child.on('message', (message: unknown) => {
      if (!isStartupReport(message)) return;
      const { code, text } = message.hastmonStartup;
      if (code === 0) settle(0);
      else settle(code, text !== '' ? text : `hastmon: the daemon failed to start (status ${code})${seeLog}\n`);
    });
    // The report may still be in the channel when the exit is seen: decide once both are done.
    const afterExit = (): void => {
      if (exit === undefined || child.connected) return;
      const { code, signal } = exit;
      const how = signal !== null ? `was killed by ${signal}` : `exited with status ${code ?? '?'}`;
      const status = code !== null && code > 0 && code < 256 ? code : EX_SOFTWARE;
      settle(status, `hastmon: the daemon (pid ${child.pid ?? '?'}) ${how} while starting${seeLog}\n`);
    };
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      afterExit();
    });
    child.on('disconnect', afterExit);
    child.on('error', (error) => {
      // Spawning failed; an error after that (the channel) changes nothing the parent reports.
      if (child.pid === undefined) settle(EX_OSERR, `hastmon: cannot start the daemon: ${error.message}\n`);
    });
  });
}
