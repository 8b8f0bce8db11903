import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HASTMON_USAGE } from './args.js';
import { runHastmon, type HastmonIo } from './hastmon.js';

const dir = mkdtempSync(join(tmpdir(), 'hastmon-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function hastmon(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: HastmonIo = {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    defaultConfigPath: join(dir, 'absent.conf'),
    defaultNodeName: 'lolek',
  };
  const code = await runHastmon(argv, io);
  return { code, stdout, stderr };
}

describe('hastmon as a function', () => {
  it('prints the usage for -h and exits 0', async () => {
    expect(await hastmon(['-h'])).toEqual({ code: 0, stdout: HASTMON_USAGE, stderr: '' });
  });

  it('exits 64 with the message and the usage on a bad flag', async () => {
    const run = await hastmon(['-Z']);
    expect(run.code).toBe(64);
    expect(run.stderr.startsWith('hastmon: ')).toBe(true);
    expect(run.stderr.endsWith(HASTMON_USAGE)).toBe(true);
  });

  it("checks HASTMON's example with -t and starts nothing", async () => {
    const seed = join(import.meta.dirname, '..', 'config', 'fixtures', 'seed-hastmon.conf');
    expect(await hastmon(['-t', '-c', seed, '-N', 'lolek'])).toEqual({ code: 0, stdout: 'configuration OK\n', stderr: '' });
  });

  it('exits 78 with file:line for a bad configuration', async () => {
    const conf = join(dir, 'bad.conf');
    writeFileSync(conf, 'on lolek {\n  nonsense 1\n}\n');
    const run = await hastmon(['-t', '-c', conf]);
    expect(run.code).toBe(78);
    expect(run.stderr).toContain(`${conf}:2:`);
  });
});
