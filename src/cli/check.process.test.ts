// `bin/hastmon -t` run as an operator runs it (`npm run build` comes first): each test writes its
// own files and waits only for the process to end.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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

  it('accepts the two-site example of README.md and INSTALL for each of its nodes, and says what etcd does', async () => {
    // The example's files, in this test's own directory instead of /usr/local/etc/hastmon/.
    const files = join(dir, 'two-sites');
    await mkdir(files);
    for (const name of ['hastmon.key', 'etcd-ca.pem', 'etcd-client.pem', 'etcd-client.key']) await writeFile(join(files, name), 'not a secret, a test\n', { mode: 0o600 });
    await writeFile(join(files, 'web.sh'), '#!/bin/sh\n', { mode: 0o755 });
    const example = await readFile(fileURLToPath(new URL('../config/fixtures/two-sites-etcd.conf', import.meta.url)), 'utf8');
    const path = join(files, 'hastmon.conf');
    // Its sites' addresses (10.N.0.M) become loopback ones (127.N.0.M): nothing here names another network.
    const local = example.replaceAll('/usr/local/etc/hastmon/', `${files}/`).replace(/\b10\.(\d+)\.0\.(\d+)\b/g, '127.$1.0.$2');
    await writeFile(path, `control ${join(files, 'ctl')}\n${local}`);
    for (const node of ['lolek', 'bolek']) {
      const run = await check('-c', path, '-N', node);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toMatch(/^configuration OK$/m);
      expect(run.stdout).toContain('etcd: one more voter of every resource, at https://127.3.0.1:2379 https://127.3.0.2:2379 https://127.3.0.3:2379');
      expect(run.stdout).toContain('lease TTL of 3 s');
    }
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
