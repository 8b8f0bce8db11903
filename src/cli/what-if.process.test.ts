// `bin/hastmon -S` run as an operator runs it (`npm run build` comes first): no root, no
// sockets, no scripts; each test writes its own file and waits only for the process to end.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HASTMON_BIN, daemonEnvironment, type RunResult } from '../e2e/processes.js';

function hastmon(argv: readonly string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [HASTMON_BIN, ...argv], { timeout: 50_000, env: daemonEnvironment({}) }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
    });
  });
}

let dir = '';

beforeAll(async () => {
  if (!existsSync(fileURLToPath(new URL('../../dist/cli/hastmon.js', import.meta.url)))) throw new Error('run npm run build first');
  dir = await mkdtemp(join(tmpdir(), 'hastmon-what-if-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function conf(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('hastmon -S', () => {
  it('simulates the sample configuration and exits 0, whatever this host is and whether its scripts exist', async () => {
    const sample = fileURLToPath(new URL('../../etc/hastmon.conf.sample', import.meta.url));
    const run = await hastmon(['-S', '-c', sample, '-R', '3', '-H', '0.02']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^what-if for .*hastmon\.conf\.sample: every node simulated: /);
    expect(run.stdout).toMatch(/^ {2}failover: min \d+ ms, median \d+ ms, p99 \d+ ms \(3 samples\)$/m);
    expect(run.stdout).toMatch(/^simulated 9 trials and 1\.2 min of soak /m);
  });

  it("shows two holders in a two-node cluster under heavy loss (FreeHA's rule), exits 65, and the printed command replays it", async () => {
    const pair = await conf('pair.conf', 'resource daemon {\n  exec /etc/daemon.sh\n  on lolek { priority 0 }\n  on bolek { priority 1 }\n}\n');
    const run = await hastmon(['-S', '-c', pair, '-R', '1', '-H', '0.1', '-p', '50%']);
    expect(run.code).toBe(65);
    expect(run.stdout).toContain("  resource daemon: lolek bolek; 2 voters: no quorum possible, FreeHA's two-node rule");
    const lines = run.stdout.split('\n');
    const failure = lines.findIndex((l) => /^seed \d+: soak run: SAFETY VIOLATION: daemon at [\d.]+ ms: \w+ began starting while \w+ holds it/.test(l));
    expect(failure).toBeGreaterThan(0);
    const replay = /^ {2}replay: hastmon (.*)$/.exec(lines[failure + 1] ?? '')?.[1];
    expect(replay).toMatch(new RegExp(`^-S -c ${pair} -H 0\\.1 -p 50% -r \\d+$`));
    const again = await hastmon((replay ?? '').split(' '));
    expect(again.code).toBe(65);
    expect(again.stdout.split('\n')).toContain(lines[failure]);
    expect(again.stdout).toMatch(/^simulated 3 trials and 6 min of soak /m);
  });

  it('refuses a bad file with file:line: message and 78, a bad option with 64, in one line each', async () => {
    const bad = await conf('bad.conf', 'resource r {\n  exec /x\n  on a { }\n  on b { }\n  on c { monitor_fall 0 }\n}\n');
    const run = await hastmon(['-S', '-c', bad]);
    expect(run.code).toBe(78);
    expect(run.stderr).toMatch(new RegExp(`^${bad}:5: .*monitor_fall.*\\n$`));
    const usage = await hastmon(['-S', '-c', bad, '-p', '2']);
    expect(usage.code).toBe(64);
    expect(usage.stderr.split('\n')[0]).toBe("hastmon: bad loss '2' for -p: expected a fraction from 0 to below 1 or a percentage (0.05 or 5%)");
  });
});
