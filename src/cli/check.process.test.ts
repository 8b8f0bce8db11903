// `bin/hastmon -t` run as an operator runs it (`npm run build` comes first): each test writes its
// own files and waits only for the process to end.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SECTION_DEPTH } from '../config/defaults.js';

const hastmon = fileURLToPath(new URL('../../bin/hastmon', import.meta.url));

function check(...argv: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [hastmon, '-t', ...argv], { timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
    });
  });
}

let dir = '';

beforeAll(async () => {
  if (!existsSync(fileURLToPath(new URL('../../dist/cli/hastmon.js', import.meta.url)))) throw new Error('run npm run build first');
  dir = await mkdtemp(join(tmpdir(), 'hastmon-check-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A file for node lolek whose one resource runs `script`, with `head` before it. */
async function conf(name: string, script: string, head = ''): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `${head}resource r {\n  exec ${script}\n  on lolek {\n  }\n}\n`);
  return path;
}

describe.concurrent('hastmon -t', () => {
  it('refuses a script the daemon would refuse, naming it, exit 78', async () => {
    const script = join(dir, 'not-executable.sh');
    await writeFile(script, '#!/bin/sh\n', { mode: 0o644 });
    const path = await conf('refused.conf', script, `control ${join(dir, 'refused.ctl')}\n`);
    expect(await check('-c', path, '-N', 'lolek')).toEqual({ code: 78, stdout: '', stderr: `hastmon: resource r: ${script}: is not executable\n` });
  });

  it("takes HASTMON's uds:// control address", async () => {
    const script = join(dir, 'ok.sh');
    await writeFile(script, '#!/bin/sh\n', { mode: 0o755 });
    const path = await conf('uds.conf', script, `control uds://${join(dir, 'uds.ctl')}\n`);
    expect(await check('-c', path, '-N', 'lolek')).toEqual({ code: 0, stdout: 'configuration OK\n', stderr: '' });
  });

  it('refuses 100,000 nested sections with file:line, not a crash', async () => {
    const path = join(dir, 'nested.conf');
    await writeFile(path, `\nresource r ${'{'.repeat(100_000)}\n`);
    const run = await check('-c', path, '-N', 'lolek');
    expect(run.code).toBe(78);
    expect(run.stderr).toContain(`${path}:2: '{' opens a section nested more than ${MAX_SECTION_DEPTH} deep`);
    expect(run.stderr).not.toMatch(/RangeError|at .*\.js/);
  });
});
