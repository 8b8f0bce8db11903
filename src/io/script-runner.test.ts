import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ScriptOutcome } from '../core/types.js';
import { ScriptRunner, type ScriptRequest } from './script-runner.js';

interface LogEntry {
  level: string;
  message: string;
}

interface Done {
  resource: string;
  runId: number;
  outcome: ScriptOutcome;
}

const PATH = '/usr/local/bin:/usr/bin:/bin';

let dir: string;
let log: LogEntry[];
let done: Done[];
let runner: ScriptRunner;
/** Every pid file a script writes; the processes named there are killed after each test. */
let pidFiles: string[];
let nextRunId = 1;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hastmon-scripts-'));
  log = [];
  done = [];
  pidFiles = [];
  runner = new ScriptRunner({
    log: (level, message) => log.push({ level, message }),
    onDone: (resource, runId, outcome) => done.push({ resource, runId, outcome }),
    killGraceMs: 300,
  });
});

afterEach(() => {
  runner.killAll();
  for (const file of pidFiles) {
    if (!existsSync(file)) continue;
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (pid > 0) killQuietly(pid);
  }
  rmSync(dir, { recursive: true, force: true });
});

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Writes an executable /bin/sh script into the test's directory. */
function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** A file a script writes a pid into, cleaned up after the test. */
function pidFile(name: string): string {
  const path = join(dir, name);
  pidFiles.push(path);
  return path;
}

function request(command: string, overrides: Partial<ScriptRequest> = {}): ScriptRequest {
  return {
    resource: 'shared',
    runId: nextRunId++,
    label: 'start',
    command,
    args: [],
    timeoutMs: 10_000,
    env: { PATH },
    ...overrides,
  };
}

async function until(what: string, condition: () => boolean, limitMs = 5000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Whether `condition` holds throughout `ms`, checked every 10 ms: for things that must not happen. */
async function holdsFor(condition: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (!condition()) return false;
    if (Date.now() >= end) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function outcomeOf(runId: number, limitMs = 5000): Promise<ScriptOutcome> {
  await until(`run ${runId} to finish`, () => done.some((d) => d.runId === runId), limitMs);
  const entry = done.find((d) => d.runId === runId);
  if (entry === undefined) throw new Error('unreachable');
  return entry.outcome;
}

async function pidFrom(file: string): Promise<number> {
  await until(`${file} to be written`, () => existsSync(file) && /^\d+\n/.test(readFileSync(file, 'utf8')));
  return Number(readFileSync(file, 'utf8').trim());
}

/**
 * A process is gone when it no longer exists or is a zombie: an orphan's exit status may wait
 * for a parent (here the container's init) that never collects it, but the process has ended.
 */
function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

function messages(level?: string): string[] {
  return log.filter((e) => level === undefined || e.level === level).map((e) => e.message);
}

describe('ScriptRunner', () => {
  it('reports the exit code with the resource and run id', async () => {
    const ok = request(script('ok', 'exit 0'));
    const failed = request(script('failed', 'exit 3'), { resource: 'web' });
    runner.run(ok);
    runner.run(failed);
    expect(runner.running()).toBe(2);
    expect(await outcomeOf(ok.runId)).toEqual({ code: 0, timedOut: false });
    expect(await outcomeOf(failed.runId)).toEqual({ code: 3, timedOut: false });
    expect(done.find((d) => d.runId === failed.runId)?.resource).toBe('web');
    expect(runner.running()).toBe(0);
  });

  it('logs stdout as info and stderr as warning, prefixed with resource and label', async () => {
    const req = request(script('talk', 'echo "hello from $1"\necho "trouble" >&2\nprintf "no newline"'), {
      label: 'monitor',
      args: ['world'],
    });
    runner.run(req);
    await outcomeOf(req.runId);
    await until('the output', () => messages().includes('shared: monitor: no newline'));
    expect(messages('info')).toEqual(['shared: monitor: hello from world', 'shared: monitor: no newline']);
    expect(messages('warning')).toEqual(['shared: monitor: trouble']);
  });

  it('cuts long lines and drops output beyond the line limit, saying so once', async () => {
    const req = request(script('flood', 'head -c 3000 /dev/zero | tr "\\0" x; echo\ni=0\nwhile [ $i -lt 300 ]; do echo "line $i"; i=$((i+1)); done'));
    runner.run(req);
    await outcomeOf(req.runId);
    await until('the drop notice', () => messages().some((m) => m.includes('the rest is dropped')));
    const info = messages('info');
    expect(info).toHaveLength(200);
    expect(info[0]).toBe(`shared: start: ${'x'.repeat(1000)}… (cut)`);
    expect(info[1]).toBe('shared: start: line 0');
    expect(info[199]).toBe('shared: start: line 198');
    expect(messages('warning')).toEqual(['shared: start: more than 200 lines of output, the rest is dropped']);
  });

  it('kills a hanging script and its children at the timeout and reports timedOut', async () => {
    const childPid = pidFile('child.pid');
    const req = request(script('hang', `sleep 1000 &\necho $! > ${childPid}\nwait`), { timeoutMs: 300 });
    const started = Date.now();
    runner.run(req);
    const sleeper = await pidFrom(childPid);
    expect(isGone(sleeper)).toBe(false);
    expect(await outcomeOf(req.runId)).toEqual({ code: null, timedOut: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    await until('the child to be gone', () => isGone(sleeper), 2000);
    expect(messages('warning')).toContain('shared: start: timed out after 300 ms, sending SIGTERM to its process group');
  });

  it('SIGKILLs a script that ignores SIGTERM after the grace', async () => {
    const childPid = pidFile('child.pid');
    const req = request(script('stubborn', `trap "" TERM\nsleep 1000 &\necho $! > ${childPid}\nwait\nwait`), {
      timeoutMs: 200,
    });
    const started = Date.now();
    runner.run(req);
    const sleeper = await pidFrom(childPid);
    expect(await outcomeOf(req.runId)).toEqual({ code: null, timedOut: true });
    // 200 ms timeout + 300 ms grace.
    expect(Date.now() - started).toBeGreaterThanOrEqual(480);
    await until('the child to be gone', () => isGone(sleeper), 2000);
    expect(messages('warning')).toContain('shared: start: still running 300 ms after SIGTERM, sending SIGKILL');
  });

  it('completes a start script on its own exit while a background child keeps its output open', async () => {
    const childPid = pidFile('service.pid');
    const req = request(script('start-service', `sleep 1000 &\necho $! > ${childPid}\necho started\nexit 0`));
    runner.run(req);
    expect(await outcomeOf(req.runId, 3000)).toEqual({ code: 0, timedOut: false });
    const service = await pidFrom(childPid);
    // After a normal exit the group is left alone: the service lives in it.
    expect(await holdsFor(() => !isGone(service), 100)).toBe(true);
    expect(messages('info')).toContain('shared: start: started');
    process.kill(service, 'SIGKILL');
  });

  it('kill(runId) kills the whole group at once and never reports the result', async () => {
    const childPid = pidFile('child.pid');
    const scriptPid = pidFile('script.pid');
    const req = request(script('long', `echo $$ > ${scriptPid}\nsleep 1000 &\necho $! > ${childPid}\nwait`));
    runner.run(req);
    const sleeper = await pidFrom(childPid);
    const shell = await pidFrom(scriptPid);
    runner.kill(req.runId);
    await until('the run to end', () => runner.running() === 0, 2000);
    await until('the group to be gone', () => isGone(sleeper) && isGone(shell), 2000);
    expect(await holdsFor(() => done.length === 0, 100)).toBe(true);
  });

  it('reports a script killed by a signal with code null', async () => {
    const req = request(script('suicide', 'kill -KILL $$'));
    runner.run(req);
    expect(await outcomeOf(req.runId)).toEqual({ code: null, timedOut: false });
    expect(messages('warning')).toContain('shared: start: killed by SIGKILL');
  });

  it('gives the script /dev/null as stdin', async () => {
    const req = request(script('reader', 'read x\necho "read status $? [$x]"'), { timeoutMs: 3000 });
    runner.run(req);
    expect(await outcomeOf(req.runId)).toEqual({ code: 0, timedOut: false });
    await until('the output', () => messages('info').length > 0);
    expect(messages('info')).toEqual(['shared: start: read status 1 []']);
  });

  it('gives the child exactly the environment passed', async () => {
    const env = { PATH, HASTMON_RESOURCE: 'shared', HASTMON_EVENT: 'start with spaces' };
    const req = request('/usr/bin/env', { env });
    runner.run(req);
    expect(await outcomeOf(req.runId)).toEqual({ code: 0, timedOut: false });
    await until('the output', () => messages('info').length === 3);
    expect(messages('info').sort()).toEqual(
      ['PATH=/usr/local/bin:/usr/bin:/bin', 'HASTMON_RESOURCE=shared', 'HASTMON_EVENT=start with spaces']
        .map((line) => `shared: start: ${line}`)
        .sort(),
    );
  });

  it('reports a missing or non-executable command with code null, without throwing', async () => {
    const missing = request(join(dir, 'no-such-script'));
    const plain = join(dir, 'not-executable');
    writeFileSync(plain, '#!/bin/sh\nexit 0\n');
    chmodSync(plain, 0o644);
    const notExecutable = request(plain);
    expect(() => runner.run(missing)).not.toThrow();
    expect(() => runner.run(notExecutable)).not.toThrow();
    expect(await outcomeOf(missing.runId)).toEqual({ code: null, timedOut: false });
    expect(runner.running()).toBe(0);
    expect(messages('error').some((m) => m.startsWith('shared: start: cannot run') && m.includes('ENOENT'))).toBe(true);
    // root may execute a file without any x bit only if some x bit is set, so this fails for root too.
    expect(await outcomeOf(notExecutable.runId)).toEqual({ code: null, timedOut: false });
  });
});
