// Runs resource scripts (DESIGN §5): each in its own process group, stdin from /dev/null, output
// into the log line by line, killed whole on timeout or when a stop overtakes a start.
import { spawn, type ChildProcess } from 'node:child_process';
import { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { ScriptOutcome } from '../core/types.js';

export interface ScriptRequest {
  resource: string;
  runId: number;
  /** Names the run in log lines, e.g. 'start'. */
  label: string;
  /** Absolute path of the script. */
  command: string;
  args: string[];
  timeoutMs: number;
  /** The child's whole environment: nothing is inherited from the daemon. */
  env: Record<string, string>;
}

export interface ScriptLog {
  (level: 'info' | 'warning' | 'error', message: string): void;
}

export interface ScriptRunnerOptions {
  log: ScriptLog;
  /** `notStarted`: the script could not be started at all (its code is then null too). */
  onDone: (resource: string, runId: number, outcome: ScriptOutcome, notStarted: boolean) => void;
  /** How long a timed-out script has between SIGTERM and SIGKILL. */
  killGraceMs?: number;
}

const DEFAULT_KILL_GRACE_MS = 2000;
/** A runaway script must not flood the log. */
const MAX_LINE_CHARS = 1000;
const MAX_LINES_PER_RUN = 200;
/** setTimeout turns anything longer into 1 ms: a huge timeout must mean "very long", not "now". */
const MAX_TIMER_MS = 0x7fffffff;

interface Run {
  readonly request: ScriptRequest;
  readonly child: ChildProcess;
  /** The child's pid, which is also its process group id (`detached`). */
  readonly pgid: number;
  timeoutTimer: NodeJS.Timeout | undefined;
  timedOut: boolean;
  /** Killed on request: its result is never reported. */
  suppressed: boolean;
  linesLogged: number;
}

export class ScriptRunner {
  private readonly log: ScriptLog;
  private readonly onDone: ScriptRunnerOptions['onDone'];
  private readonly killGraceMs: number;
  /** Runs whose script has not exited yet, by run id. */
  private readonly runs = new Map<number, Run>();

  constructor(options: ScriptRunnerOptions) {
    this.log = options.log;
    this.onDone = options.onDone;
    this.killGraceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  }

  /** Never throws: a script that cannot be started is reported through onDone with code null. */
  run(request: ScriptRequest): void {
    let child: ChildProcess;
    try {
      child = spawn(request.command, request.args, {
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: request.env,
      });
    } catch (err) {
      // Reported later, never from inside run(), so the caller sees one order of events.
      setImmediate(() => this.failedToStart(request, err));
      return;
    }
    const pgid = child.pid;
    if (pgid === undefined) {
      // The spawn failed (ENOENT, EACCES…): Node emits 'error' and no 'exit'.
      child.once('error', (err) => this.failedToStart(request, err));
      return;
    }
    const run: Run = {
      request,
      child,
      pgid,
      timeoutTimer: undefined,
      timedOut: false,
      suppressed: false,
      linesLogged: 0,
    };
    this.runs.set(request.runId, run);
    this.capture(run, child.stdout, 'info');
    this.capture(run, child.stderr, 'warning');
    run.timeoutTimer = setTimeout(() => this.timeOut(run), Math.min(request.timeoutMs, MAX_TIMER_MS));
    // Completion is the script's own exit, not 'close': a start script may leave the service it
    // started running in the background with our pipes still open.
    child.once('exit', (code, signal) => this.exited(run, code, signal));
    child.on('error', (err) => this.say(request, 'error', describeError(err)));
  }

  /** Kills the run's whole process group at once; its result is never reported. */
  kill(runId: number): void {
    const run = this.runs.get(runId);
    if (run === undefined) return;
    run.suppressed = true;
    this.signalGroup(run, 'SIGKILL');
  }

  killAll(): void {
    for (const runId of [...this.runs.keys()]) this.kill(runId);
  }

  /** Runs whose script has not exited yet, killed ones included until they are gone. */
  running(): number {
    return this.runs.size;
  }

  private timeOut(run: Run): void {
    run.timedOut = true;
    run.timeoutTimer = undefined;
    const timeout = run.request.timeoutMs;
    this.say(run.request, 'warning', `timed out after ${timeout} ms, sending SIGTERM to its process group`);
    this.signalGroup(run, 'SIGTERM');
    // The group is killed whole: children that outlive the script's own exit are not spared.
    setTimeout(() => {
      if (this.runs.has(run.request.runId)) {
        this.say(run.request, 'warning', `still running ${this.killGraceMs} ms after SIGTERM, sending SIGKILL`);
      }
      this.signalGroup(run, 'SIGKILL');
    }, this.killGraceMs);
  }

  private exited(run: Run, code: number | null, signal: NodeJS.Signals | null): void {
    this.runs.delete(run.request.runId);
    if (run.timeoutTimer !== undefined) clearTimeout(run.timeoutTimer);
    // Whatever still holds the pipes (a service started in the background) must not keep the
    // daemon alive on its own; its output is still read, so it never blocks on a full pipe.
    for (const stream of [run.child.stdout, run.child.stderr]) {
      if (stream instanceof Socket) stream.unref();
    }
    if (run.suppressed) return;
    if (run.timedOut) {
      this.onDone(run.request.resource, run.request.runId, { code: null, timedOut: true }, false);
      return;
    }
    if (signal !== null) this.say(run.request, 'warning', `killed by ${signal}`);
    this.onDone(run.request.resource, run.request.runId, { code: signal === null ? code : null, timedOut: false }, false);
  }

  private failedToStart(request: ScriptRequest, err: unknown): void {
    this.say(request, 'error', `cannot run ${request.command}: ${describeError(err)}`);
    this.onDone(request.resource, request.runId, { code: null, timedOut: false }, true);
  }

  private signalGroup(run: Run, signal: NodeJS.Signals): void {
    try {
      process.kill(-run.pgid, signal);
    } catch (err) {
      // ESRCH: the whole group is already gone, which is what was wanted.
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') {
        this.say(run.request, 'error', `cannot send ${signal} to process group ${run.pgid}: ${describeError(err)}`);
      }
    }
  }

  /** Logs a line about one run, prefixed with its resource and label. */
  private say(request: ScriptRequest, level: 'info' | 'warning' | 'error', text: string): void {
    this.log(level, `${request.resource}: ${request.label}: ${text}`);
  }

  private capture(run: Run, stream: Readable | null, level: 'info' | 'warning'): void {
    if (stream === null) return;
    stream.setEncoding('utf8');
    const lines = new LineSplitter((line) => this.logLine(run, level, line));
    stream.on('data', (chunk: string) => lines.push(chunk));
    stream.on('end', () => lines.end());
    // A read error only ends the capture; the run's result comes from its exit.
    stream.on('error', () => undefined);
  }

  private logLine(run: Run, level: 'info' | 'warning', line: string): void {
    run.linesLogged += 1;
    if (run.linesLogged <= MAX_LINES_PER_RUN) {
      this.say(run.request, level, line);
    } else if (run.linesLogged === MAX_LINES_PER_RUN + 1) {
      this.say(run.request, 'warning', `more than ${MAX_LINES_PER_RUN} lines of output, the rest is dropped`);
    }
  }
}

/** Splits a text stream into lines, cutting any line longer than MAX_LINE_CHARS. */
class LineSplitter {
  private partial = '';
  /** The current line was already emitted cut short: drop the rest of it. */
  private skipping = false;

  constructor(private readonly emit: (line: string) => void) {}

  push(chunk: string): void {
    let text = this.partial + chunk;
    this.partial = '';
    for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n')) {
      if (!this.skipping) this.emit(cut(stripCarriageReturn(text.slice(0, newline))));
      this.skipping = false;
      text = text.slice(newline + 1);
    }
    if (this.skipping) return;
    if (text.length > MAX_LINE_CHARS) {
      this.emit(cut(text));
      this.skipping = true;
    } else {
      this.partial = text;
    }
  }

  end(): void {
    if (this.partial !== '' && !this.skipping) this.emit(stripCarriageReturn(this.partial));
    this.partial = '';
    this.skipping = false;
  }
}

function cut(line: string): string {
  return line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}… (cut)` : line;
}

function stripCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
