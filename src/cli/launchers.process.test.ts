// Runs the compiled launchers, as users do: `npm run build` comes first. Each test runs its own
// process with files of its own, so they run concurrently.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = (name: string): string => join(root, 'bin', name);
const seed = fileURLToPath(new URL('../config/fixtures/seed-hastmon.conf', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(launcher: string, argv: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin(launcher), ...argv], { timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

const hastmon = (...argv: string[]): Promise<Run> => run('hastmon', argv);

let dir = '';

beforeAll(async () => {
  if (!existsSync(join(root, 'dist', 'cli', 'hastmon.js'))) throw new Error('dist/cli/hastmon.js is missing: run npm run build first');
  dir = await mkdtemp(join(tmpdir(), 'hastmon-cli-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.concurrent('bin/hastmon', () => {
  it.each(['lolek', 'bolek', 'reksio'])("-t accepts HASTMON's example on %s, its scripts in place", async (node) => {
    const conf = join(dir, `seed-${node}.conf`);
    const scripts = { '/etc/daemon.sh': join(dir, `daemon-${node}.sh`), '/etc/storage.sh': join(dir, `storage-${node}.sh`) };
    // The peers' names become addresses: -t looks names up, and this test sends nothing off the machine.
    let text = (await readFile(seed, 'utf8'))
      .replaceAll('friends lolek bolek reksio', 'friends 127.0.0.1')
      .replace(/tcp4:\/\/(lolek|bolek|reksio)\b/g, 'tcp4://127.0.0.1');
    for (const [path, local] of Object.entries(scripts)) {
      await writeFile(local, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
      text = text.replaceAll(path, local);
    }
    await writeFile(conf, text);
    expect(await hastmon('-t', '-c', conf, '-N', node)).toEqual({ code: 0, stdout: 'configuration OK\n', stderr: '' });
  });

  it('-t prints every error as file:line: message and exits 78', async () => {
    const bad = join(dir, 'bad.conf');
    await writeFile(bad, 'deadtime 300ms\nresource r {\n  on a {\n    priority x\n  }\n');
    const run = await hastmon('-t', `-c${bad}`, '-N', 'a');
    expect(run.code).toBe(78);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n')).toEqual([
      `${bad}:1: deadtime 300ms is too short for heartbeat_interval 200ms: expected more than twice the heartbeat interval (over 400ms)`,
      `${bad}:2: 'resource r' is never closed: expected '}'`,
      `${bad}:3: resource 'r' has no script for node 'a': expected 'exec PATH' or 'scripts DIR' in the resource, in its 'on a' section or in the global section`,
      `${bad}:4: bad number 'x' for priority: expected a whole number of 0 or more`,
      '',
    ]);
  });

  it('-t exits 78 naming a configuration file given with -c that does not exist', async () => {
    const missing = join(dir, 'missing.conf');
    expect(await hastmon('-t', '-c', missing)).toEqual({ code: 78, stdout: '', stderr: `${missing}: configuration file not found\n` });
  });

  it('-h prints the usage and exits 0', async () => {
    const run = await hastmon('-h');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^usage: hastmon \[-dFhkmt\]/);
  });

  it('exits 64 with the usage on a bad flag', async () => {
    const run = await hastmon('-q');
    expect(run.code).toBe(64);
    expect(run.stderr).toMatch(/^hastmon: unknown option -q\nusage: hastmon /);
  });
});

describe.concurrent('bin/hastmonctl', () => {
  it('exits 64 with its usage on bad usage', async () => {
    const result = await run('hastmonctl', ['frobnicate']);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('usage: hastmonctl');
  });

  it('exits 69 and says so when no daemon answers on the socket', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hastmonctl-'));
    try {
      const result = await run('hastmonctl', ['-s', join(dir, 'nobody.sock'), 'status']);
      expect(result.code).toBe(69);
      expect(result.stderr).toContain('hastmon is not running');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
