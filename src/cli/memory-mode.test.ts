import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/parse.js';
import { COMPILER_FROM_REPORTS_PER_INTERVAL, daemonNodeOptions, reportsPerInterval, wantsCompiler, YOUNG_GENERATION_FLAG } from './memory-mode.js';

/** `nodes` nodes on loopback, every one of them a node of each of `resources` resources. */
function clusterText(nodes: number, resources: number): string {
  const names = Array.from({ length: nodes }, (_, i) => `n${i}`);
  const lines: string[] = [];
  names.forEach((name, i) => {
    const remotes = names.filter((other) => other !== name).map((_, j) => `127.0.0.1:${7000 + j}`);
    lines.push(`on ${name} {`, `  listen 127.0.0.1:${7000 + i}`, `  remote ${remotes.join(' ')}`, '}');
  });
  for (let r = 0; r < resources; r++) {
    lines.push(`resource r${r} {`, '  exec /usr/local/libexec/service.sh');
    names.forEach((name, i) => lines.push(`  on ${name} {`, `    priority ${i}`, '  }'));
    lines.push('}');
  }
  return `${lines.join('\n')}\n`;
}

const fromFiles =
  (files: Record<string, string>) =>
  (path: string): string => {
    const text = files[path];
    if (text === undefined) throw new Error(`ENOENT: ${path}`);
    return text;
  };

describe('the memory mode the launcher chooses', () => {
  it('keeps the optimizing compiler for the simulator, reading the options as getopt does', () => {
    const none = fromFiles({});
    expect(wantsCompiler(['-S', '-c', 'hastmon.conf'], none)).toBe(true);
    expect(wantsCompiler(['-dS', '-R', '10'], none)).toBe(true);
    expect(wantsCompiler(['-F', '-c', 'hastmon.conf'], none)).toBe(false);
    // A file named -S after -c is the file, not the option.
    expect(wantsCompiler(['-c', '-S'], none)).toBe(false);
    expect(wantsCompiler(['-t', '-c', 'hastmon.conf'], none)).toBe(false);
    expect(wantsCompiler(['-Q'], none)).toBe(false);
  });

  it('counts the resource reports a node hears per heartbeat interval', () => {
    const parsed = parseConfig(clusterText(16, 32), 'big.conf');
    if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('; '));
    expect(reportsPerInterval(parsed.config)).toBe(32 * 15);
    const small = parseConfig(clusterText(3, 1), 'small.conf');
    if (!small.ok) throw new Error(small.errors.map((e) => e.message).join('; '));
    expect(reportsPerInterval(small.config)).toBe(2);
  });

  it('keeps the compiler for a configuration whose heartbeats carry many reports, and lite mode for a small one', () => {
    const read = fromFiles({ 'big.conf': clusterText(16, 32), 'small.conf': clusterText(3, 1), 'broken.conf': 'resource {\n' });
    expect(wantsCompiler(['-F', '-c', 'big.conf'], read)).toBe(true);
    expect(wantsCompiler(['-F', '-c', 'small.conf'], read)).toBe(false);
    // The last -c counts, as for the command itself.
    expect(wantsCompiler(['-c', 'big.conf', '-F', '-c', 'small.conf'], read)).toBe(false);
    expect(wantsCompiler(['-c', 'small.conf', '-c', 'big.conf'], read)).toBe(true);
    // A file that cannot be read or parsed: the command reports it; the launcher picks lite mode.
    expect(wantsCompiler(['-F', '-c', 'missing.conf'], read)).toBe(false);
    expect(wantsCompiler(['-F', '-c', 'broken.conf'], read)).toBe(false);
  });

  it('changes mode at the stated number of reports, not before', () => {
    // n nodes × 1 resource: n - 1 reports per interval.
    const at = COMPILER_FROM_REPORTS_PER_INTERVAL;
    const read = fromFiles({ 'below.conf': clusterText(at, 1), 'at.conf': clusterText(at + 1, 1) });
    expect(wantsCompiler(['-c', 'below.conf'], read)).toBe(false);
    expect(wantsCompiler(['-c', 'at.conf'], read)).toBe(true);
  });
});

describe('the young generation size', () => {
  it('is on the launcher\'s first line, and a background start gives it to its child once', async () => {
    const { readFileSync } = await import('node:fs');
    const firstLine = readFileSync(new URL('../../bin/hastmon', import.meta.url), 'utf8').split('\n')[0];
    expect(firstLine).toBe(`#!/usr/bin/env -S node ${YOUNG_GENERATION_FLAG}`);
    expect(daemonNodeOptions([])).toEqual([YOUNG_GENERATION_FLAG]);
    expect(daemonNodeOptions(['--inspect'])).toEqual(['--inspect', YOUNG_GENERATION_FLAG]);
    expect(daemonNodeOptions([YOUNG_GENERATION_FLAG])).toEqual([YOUNG_GENERATION_FLAG]);
    // An operator's own size is kept.
    expect(daemonNodeOptions(['--max-semi-space-size=4'])).toEqual(['--max-semi-space-size=4']);
  });
});
