import { describe, expect, it } from 'vitest';
import { runCli, summaryLine } from './cli-run.js';

function cli(args: string[]): { code: number; lines: string[] } {
  const lines: string[] = [];
  const code = runCli(args, (line) => lines.push(line));
  return { code, lines };
}

describe('sim command line', () => {
  it('runs a range of seeds and prints the summary line last', () => {
    const { code, lines } = cli(['--seeds', '3', '--first', '10', '--no-commands', '--no-found-running']);
    expect(code).toBe(0);
    expect(lines.at(-1)).toBe('sim: 3 runs, 0 safety violations, 0 liveness failures');
    expect(lines).toContain('liveness bound: 40 heartbeats (8000 ms) after the heal');
    expect(lines).toContain('operator: 0 commands read, 0 exits after TERM, 0 failed stops cleaned up by hand before clear');
    expect(lines).toContain('found running at start-up: 0 services, 0 adopted, 0 starts elsewhere before anyone could know');
  });

  it('gives operator commands and finds services running unless told not to', () => {
    const { lines } = cli(['--seeds', '20']);
    expect(lines.find((l) => l.startsWith('operator: '))).toMatch(/^operator: [1-9]\d* commands read, [1-9]\d* exits after TERM/);
    expect(lines.find((l) => l.startsWith('found running at start-up: '))).toMatch(/^found running at start-up: [1-9]\d* services, [1-9]\d* adopted/);
    expect(cli(['--seed', '5']).lines.some((l) => / \*\* operator: \{"type":"\w+"/.test(l))).toBe(true);
  });

  it('replays one seed with a step-by-step trace, or only the summary when quiet', () => {
    const traced = cli(['--seed', '5']);
    expect(traced.code).toBe(0);
    expect(traced.lines[0]).toMatch(/^plan seed=5 /);
    expect(traced.lines.some((l) => / n1 L=[\d.]+ tick => .*send n1#1@/.test(l))).toBe(true);
    expect(traced.lines.at(-1)).toBe(summaryLine(1, 0, 0));
    expect(cli(['--seed', '5', '--quiet']).lines).toEqual([summaryLine(1, 0, 0)]);
  });

  it('names each failing seed and exits 1 (two voters cannot keep safety, by design)', () => {
    const { code, lines } = cli(['--seeds', '2', '--watchdogs', '0', '--no-commands', '--no-found-running', '--quiet']);
    expect(code).toBe(1);
    expect(lines.some((l) => /^seed 1: safety: r\d at [\d.]+ ms: /.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/^sim: 2 runs, [1-9]\d* safety violations, 0 liveness failures$/);
  });

  it('--etcd: etcd votes too, with a lease of 2 s (its minimum TTL); a shorter --timing is refused', () => {
    const { code, lines } = cli(['--etcd', '--seeds', '3', '--first', '20']);
    expect(code).toBe(0);
    expect(lines.at(-1)).toBe('sim: 3 runs, 0 safety violations, 0 liveness failures');
    expect(lines.find((l) => l.startsWith('closest handover: '))).toMatch(/\(guard 200 ms\)$/);
    expect(cli(['--etcd', '--seed', '20']).lines.some((l) => /^plan etcd: TTL 2000 ms/.test(l))).toBe(true);
    const refused = cli(['--etcd', '--timing', '200ms/1s/1s']);
    expect(refused.code).toBe(2);
    expect(refused.lines[0]).toBe("sim: --etcd needs a lease of at least 2000 ms (etcd's minimum TTL), got 1000 ms");
  });

  it('pauses every node in a loss soak: a lease shorter than the pauses fails, a longer one does not', () => {
    const soak = ['--loss', '5%', '--pauses', '250ms/20s', '--minutes', '1', '--seeds', '1', '--quiet'];
    const short = cli([...soak, '--timing', '50ms/300ms/300ms']);
    expect(short.code).toBe(1);
    expect(short.lines).toContain('soak: 1 runs of 1.0 min each with 5 % loss on every link, every node paused 250 ms about every 20000 ms, heartbeat 50 ms, lease 300 ms');
    expect(short.lines.some((l) => /^seed 1: liveness: \S+ stopped r\d at [\d.]+ ms for want of endorsements/.test(l))).toBe(true);
    expect(cli(soak).code).toBe(0);
    expect(cli(['--pauses', '250ms/20s']).code).toBe(2);
    expect(cli(['--loss', '0.1', '--pauses', '250ms']).lines[0]).toBe("sim: bad pause '250ms' for --pauses: expected LENGTH/EVERY (200ms/10m)");
  });

  it('rejects unknown options and bad numbers with exit code 2', () => {
    expect(cli(['--bogus']).code).toBe(2);
    expect(cli(['--seeds', 'many']).code).toBe(2);
    expect(cli(['--nodes', '0']).code).toBe(2);
  });
});
