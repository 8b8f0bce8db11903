import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HastmonArgs } from './args.js';
import { configure } from './configure.js';

const SEED = new URL('../config/fixtures/seed-hastmon.conf', import.meta.url);
const NO_FLAGS: HastmonArgs = { check: false, help: false, generateKey: false, foreground: false, forceStart: false, debug: 0 };

let dir = '';
let seedPath = '';
let missingDefault = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hastmon-configure-'));
  seedPath = join(dir, 'hastmon.conf');
  await writeFile(seedPath, await readFile(SEED));
  missingDefault = join(dir, 'absent.conf');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('configure', () => {
  it('reads the default path and resolves it for the host name', async () => {
    const result = await configure(NO_FLAGS, { defaultConfigPath: seedPath, defaultNodeName: 'bolek' });
    expect(result.ok && [result.configPath, result.config.node, result.warnings]).toEqual([seedPath, 'bolek', []]);
  });

  it('prefers -c and -N, and applies -l', async () => {
    const args = { ...NO_FLAGS, configPath: seedPath, nodeName: 'reksio', stateFile: '/tmp/state' };
    const result = await configure(args, { defaultConfigPath: missingDefault, defaultNodeName: 'bolek' });
    expect(result.ok && [result.config.node, result.config.stateFile]).toEqual(['reksio', '/tmp/state']);
  });

  it('warns that -s and -n mean nothing with a configuration file', async () => {
    const args = { ...NO_FLAGS, scriptDir: '/s', expectedNodes: 3 };
    const result = await configure(args, { defaultConfigPath: seedPath, defaultNodeName: 'lolek' });
    expect(result.ok && result.warnings).toEqual([
      `-s is ignored: ${seedPath} names each resource's scripts`,
      `-n is ignored: ${seedPath} names the nodes`,
    ]);
  });

  it('runs without a configuration file when none is at the default path', async () => {
    const args = { ...NO_FLAGS, scriptDir: '/opt/ha/bin', expectedNodes: 3 };
    const result = await configure(args, { defaultConfigPath: missingDefault, defaultNodeName: 'alpha' });
    expect(result.ok && result.configPath).toBeNull();
    expect(result.ok && result.config.resources.map((r) => [r.name, r.scripts.kind, r.discoverMembers])).toEqual([
      ['service', 'scripts', { expectedNodes: 3, priority: 100 }],
    ]);
  });

  it('uses the default script directory and node count without -s and -n', async () => {
    const result = await configure(NO_FLAGS, { defaultConfigPath: missingDefault, defaultNodeName: 'alpha' });
    const [service] = result.ok ? result.config.resources : [];
    expect(service?.scripts).toMatchObject({ kind: 'scripts', dir: '/usr/local/etc/hastmon' });
    expect(service?.discoverMembers).toEqual({ expectedNodes: 2, priority: 100 });
  });

  it('fails with EX_CONFIG when the file of -c does not exist', async () => {
    const result = await configure({ ...NO_FLAGS, configPath: missingDefault }, { defaultConfigPath: seedPath, defaultNodeName: 'lolek' });
    expect(result).toEqual({ ok: false, code: 78, messages: [`${missingDefault}: configuration file not found`] });
  });

  it('fails with EX_CONFIG and every error of the file', async () => {
    const bad = join(dir, 'bad.conf');
    await writeFile(bad, 'attempts 0\ncolour red\n');
    const result = await configure({ ...NO_FLAGS, configPath: bad }, { defaultConfigPath: seedPath, defaultNodeName: 'lolek' });
    expect(result.ok).toBe(false);
    expect(!result.ok && [result.code, result.messages.map((m) => m.split(': ')[0])]).toEqual([78, [`${bad}:1`, `${bad}:2`]]);
  });

  it('fails with EX_CONFIG when the file has no place for this node', async () => {
    const result = await configure(NO_FLAGS, { defaultConfigPath: seedPath, defaultNodeName: 'tola' });
    expect(result).toEqual({
      ok: false,
      code: 78,
      messages: [
        `${seedPath}:1: resource 'daemon' has no 'on' section for node 'tola' (it names lolek, bolek, reksio): expected 'on tola { }' in it`,
        `${seedPath}:18: resource 'storage' has no 'on' section for node 'tola' (it names lolek, bolek, reksio): expected 'on tola { }' in it`,
      ],
    });
  });

  it.each([
    ['empty', ''],
    ['comment-only', '# nothing here yet\n\n'],
  ])('fails with EX_CONFIG for an %s file, whatever -N says', async (name, text) => {
    const path = join(dir, `${name}.conf`);
    await writeFile(path, text);
    for (const nodeName of ['lolek', 'zz']) {
      const result = await configure({ ...NO_FLAGS, configPath: path, nodeName }, { defaultConfigPath: seedPath, defaultNodeName: 'lolek' });
      expect(result).toEqual({
        ok: false,
        code: 78,
        messages: [`${path}: names no node: expected a 'resource NAME { }' section with an 'on NODE { }' section for each node, as in hastmon.conf(5)`],
      });
    }
  });
});

