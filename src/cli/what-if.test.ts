// hastmon -S as a function: the operator's file, every node of it, and what it prints.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NodeCore, type CoreStart } from '../core/node.js';
import { STANDARD_RULES } from '../core/quorum.js';
import type { CoreConfig } from '../core/types.js';
import type { CoreFactory } from '../sim/sim-core.js';
import { hastmonInProcess, type CapturedRun } from '../testing/hastmon-in-process.js';

const dir = mkdtempSync(join(tmpdir(), 'hastmon-what-if-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function hastmon(argv: string[], coreFactory?: CoreFactory): Promise<CapturedRun> {
  return hastmonInProcess(argv, {
    defaultConfigPath: join(dir, 'absent.conf'),
    // Not a node of any file here: -S simulates the file's nodes, whatever this host is called.
    defaultNodeName: 'elsewhere',
    ...(coreFactory === undefined ? {} : { coreFactory }),
  });
}

/** HASTMON's example: three service nodes, two resources; its scripts need not exist. */
const seed = file('seed.conf', readFileSync(join(import.meta.dirname, '..', 'config', 'fixtures', 'seed-hastmon.conf'), 'utf8'));

describe('hastmon -S', () => {
  it("simulates every node of HASTMON's example, prints each figure with what it measures, exits 0", async () => {
    const run = await hastmon(['-S', '-c', seed, '-R', '3', '-H', '0.02']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`what-if for ${seed}: every node simulated: lolek, bolek, reksio`);
    expect(lines).toContain('  resource daemon: lolek bolek reksio; quorum 2 of 3 voters');
    expect(lines).toContain('  resource storage: lolek bolek reksio; quorum 2 of 3 voters');
    expect(lines.filter((l) => /^ {2}(failover|handover): min \d+ ms, median \d+ ms, p99 \d+ ms \(\d+ samples\)$/.test(l))).toHaveLength(3);
    expect(lines).toContain('soak: 1.2 min simulated (1 run), 5% loss on every link (-p), each node paused 200ms about every 10 min (-g):');
    expect(lines).toContain('safety: 0 violations (two holders at once); liveness: 0 failures');
    expect(lines.at(-1)).toMatch(/^simulated 9 trials and 1\.2 min of soak \([\d.]+ min in all\) in [\d.]+ s$/);
  });

  it('prints the same figures for the same options', async () => {
    const figures = (out: string): string => out.replace(/ in [\d.]+ s\n$/, '');
    const argv = ['-S', '-c', seed, '-R', '2', '-H', '0.01', '-x', '1s/2s', '-g', '0'];
    const [a, b] = [await hastmon(argv), await hastmon(argv)];
    expect(figures(a.stdout)).toBe(figures(b.stdout));
    expect(a.stdout).toContain('  scripts (simulated, -x): start 1s, stop 2s, probe and monitor 50ms');
    expect(a.stdout).toContain('includes the stop script (2s)');
    expect(a.stdout).toContain(', no pauses:');
  });

  it('says -N and -d without -r change nothing', async () => {
    const run = await hastmon(['-S', '-c', seed, '-R', '1', '-H', '0.01', '-N', 'lolek', '-d']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('hastmon: warning: -N is ignored with -S: every node of the file is simulated\nhastmon: warning: -d traces a replay only: give it with -r SEED\n');
  });

  it('refuses a bad file with file:line: message and 78, each mistake once however many nodes it touches', async () => {
    const bad = file('bad.conf', 'resource r {\n  exec /x\n  on lolek { }\n  on bolek { }\n}\nlease 10ms\n');
    expect(await hastmon(['-S', '-c', bad])).toEqual({ code: 78, stdout: '', stderr: `${bad}:6: lease 10ms is shorter than deadtime 1s: expected at least the deadtime\n` });
    // Node w is named only in resource a: b has no 'on w' section, and neither has it for v.
    const partial = file('partial.conf', 'resource a {\n  exec /x\n  on v { }\n  on w { }\n}\nresource b {\n  exec /x\n  on u { }\n}\n');
    const run = await hastmon(['-S', '-c', partial]);
    expect(run.code).toBe(78);
    expect(run.stderr.split('\n').filter(Boolean)).toEqual([
      `${partial}:1: resource 'a' has no 'on' section for node 'u' (it names v, w): expected 'on u { }' in it`,
      `${partial}:6: resource 'b' has no 'on' section for node 'v' (it names u): expected 'on v { }' in it`,
      `${partial}:6: resource 'b' has no 'on' section for node 'w' (it names u): expected 'on w { }' in it`,
    ]);
  });

  it('needs a configuration file: 78 without one', async () => {
    expect(await hastmon(['-S'])).toEqual({
      code: 78,
      stdout: '',
      stderr: `${join(dir, 'absent.conf')}: configuration file not found: -S simulates the nodes a configuration file names\n`,
    });
  });

  it('reports what a weakened core does wrong, exits 65, and its replay command shows it again', async () => {
    // Counts its own vote as a quorum; pauses longer than the lease let the others take over.
    const weak: CoreFactory = (config: CoreConfig, start: CoreStart) => new NodeCore(config, start, { ...STANDARD_RULES, quorumSize: () => 1 });
    const run = await hastmon(['-S', '-c', seed, '-R', '1', '-H', '0.05', '-g', '1500ms/20s'], weak);
    expect(run.code).toBe(65);
    const lines = run.stdout.split('\n');
    const failure = lines.findIndex((l) => /^seed \d+: (soak run|kill -9 trial|HUP trial|TERM trial): SAFETY VIOLATION: /.test(l));
    expect(failure).toBeGreaterThan(0);
    const replay = /^ {2}replay: (hastmon .*)$/.exec(lines[failure + 1] ?? '')?.[1] ?? '';
    expect(replay).toMatch(new RegExp(`^hastmon -S -c ${seed} -H 0\\.05 -g 1500ms/20s -r \\d+$`));
    const again = await hastmon(replay.split(' ').slice(1), weak);
    expect(again.code).toBe(65);
    expect(again.stdout.split('\n')).toContain(lines[failure]);
    // The real core on the same runs: nothing to report.
    expect((await hastmon(replay.split(' ').slice(1))).code).toBe(0);
  });
});
