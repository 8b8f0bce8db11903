import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquirePidFile } from './pid-file.js';

const OUR_PID = 424242;

let dir: string;
let path: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hastmon-pid-'));
  path = join(dir, 'hastmon.pid');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The pid of a process that has exited and been reaped. */
function deadPid(): number {
  const result = spawnSync('/bin/true');
  if (result.pid === undefined || result.pid <= 0) throw new Error('could not run /bin/true');
  return result.pid;
}

describe('acquirePidFile', () => {
  it('creates the file with our pid and removes it on release', () => {
    const result = acquirePidFile(path, OUR_PID);
    expect(result).toMatchObject({ ok: true });
    expect(result).not.toHaveProperty('note');
    expect(readFileSync(path, 'utf8')).toBe(`${OUR_PID}\n`);
    expect(statSync(path).mode & 0o777).toBe(0o644);
    expect(readdirSync(dir)).toEqual(['hastmon.pid']);
    if (!result.ok) return;
    result.release();
    expect(existsSync(path)).toBe(false);
    result.release();
  });

  it('refuses while the process named in the file is alive', () => {
    writeFileSync(path, `${process.pid}\n`);
    expect(acquirePidFile(path, OUR_PID)).toEqual({
      ok: false,
      message: `hastmon already running as pid ${process.pid} (pid file ${path})`,
      otherPid: process.pid,
    });
    expect(readFileSync(path, 'utf8')).toBe(`${process.pid}\n`);
    expect(readdirSync(dir)).toEqual(['hastmon.pid']);
  });

  it('counts a process it may not signal (EPERM) as alive', async () => {
    writeFileSync(path, '1\n');
    if (process.getuid?.() !== 0) {
      expect(acquirePidFile(path, OUR_PID)).toMatchObject({ ok: false, otherPid: 1 });
      return;
    }
    // root may signal anything: ask from an unprivileged process, which gets EPERM for pid 1. It
    // may not read the checkout (its parents may be root's alone), so it gets the module compiled
    // to JavaScript beside the pid file, and writes its temporary file there too.
    chmodSync(dir, 0o777);
    const ts = (await import('typescript')).default;
    const source = readFileSync(fileURLToPath(new URL('./pid-file.ts', import.meta.url)), 'utf8');
    const compiled = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
    const moduleFile = join(dir, 'pid-file.mjs');
    writeFileSync(moduleFile, compiled.outputText, { mode: 0o644 });
    const probe =
      `import { acquirePidFile } from ${JSON.stringify(pathToFileURL(moduleFile).href)};\n` +
      `try { process.kill(1, 0); console.log('no EPERM'); } catch (e) { console.log(e.code); }\n` +
      `console.log(JSON.stringify(acquirePidFile(${JSON.stringify(path)}, ${OUR_PID})));\n`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', probe], {
      uid: 65534,
      gid: 65534,
      cwd: dir,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.stderr).toBe('');
    const [errno, answer] = run.stdout.trim().split('\n');
    expect(errno).toBe('EPERM');
    expect(JSON.parse(answer ?? '')).toEqual({
      ok: false,
      message: `hastmon already running as pid 1 (pid file ${path})`,
      otherPid: 1,
    });
  });

  it('takes over a file naming a dead process, saying so', () => {
    const dead = deadPid();
    writeFileSync(path, `${dead}\n`);
    const result = acquirePidFile(path, OUR_PID);
    expect(result).toMatchObject({
      ok: true,
      note: `pid file ${path} named pid ${dead}, which is not running; replaced it`,
    });
    expect(readFileSync(path, 'utf8')).toBe(`${OUR_PID}\n`);
    expect(readdirSync(dir)).toEqual(['hastmon.pid']);
  });

  it('takes over a file that holds no pid', () => {
    for (const garbage of ['', 'hastmon\n', '12 34\n', '0\n', '-5\n', '99999999999\n']) {
      writeFileSync(path, garbage);
      expect(acquirePidFile(path, OUR_PID)).toMatchObject({
        ok: true,
        note: `pid file ${path} did not hold a pid; replaced it`,
      });
      expect(readFileSync(path, 'utf8')).toBe(`${OUR_PID}\n`);
    }
  });

  it('takes over a leftover that names this very process', () => {
    writeFileSync(path, `${process.pid}\n`);
    expect(acquirePidFile(path, process.pid)).toMatchObject({
      ok: true,
      note: `pid file ${path} already named this process (pid ${process.pid}), a leftover; replaced it`,
    });
  });

  it('release leaves a file that no longer names our pid', () => {
    const result = acquirePidFile(path, OUR_PID);
    if (!result.ok) throw new Error(result.message);
    writeFileSync(path, '777\n');
    result.release();
    expect(readFileSync(path, 'utf8')).toBe('777\n');
  });

  it('reports a pid file that cannot be created', () => {
    const missing = join(dir, 'no-such-dir', 'hastmon.pid');
    const result = acquirePidFile(missing, OUR_PID);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toMatch(new RegExp(`^cannot create pid file ${missing}: ENOENT`));
    expect(result).not.toHaveProperty('otherPid');
  });
});
