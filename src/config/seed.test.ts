// The example configuration of HASTMON's README, verbatim, must load on each of its nodes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toCoreConfig } from './core-config.js';
import { formatConfigError } from './errors.js';
import { parseConfig } from './parse.js';
import { resolveForNode } from './resolve.js';

const path = new URL('./fixtures/seed-hastmon.conf', import.meta.url);
const text = readFileSync(path, 'utf8');

function nodeConfig(node: string) {
  const parsed = parseConfig(text, 'hastmon.conf');
  if (!parsed.ok) throw new Error(parsed.errors.map(formatConfigError).join('\n'));
  const resolved = resolveForNode(parsed.config, node);
  if (!resolved.ok) throw new Error(resolved.errors.map(formatConfigError).join('\n'));
  return resolved.config;
}

const members = [
  { node: 'lolek', priority: 0, roleOnStart: 'secondary' },
  { node: 'bolek', priority: 1, roleOnStart: 'secondary' },
  { node: 'reksio', priority: 100, roleOnStart: 'secondary' },
];

describe("HASTMON's example configuration", () => {
  it('is the README example, unchanged', () => {
    expect(text.startsWith('resource daemon {\n        exec /etc/daemon.sh\n        friends lolek bolek reksio\n')).toBe(true);
    expect(text).toContain('        on reksio {\n                remote tcp4://lolek tcp4://bolek\n        }\n');
  });

  it('loads on lolek', () => {
    const config = nodeConfig('lolek');
    const bolek = { text: 'tcp4://bolek', host: 'bolek', port: 8458 };
    expect(config.node).toBe('lolek');
    expect(config.remotes).toEqual([bolek]);
    expect(config.channels).toEqual([{ kind: 'unicast', peers: [bolek] }]);
    expect(config.friends).toEqual(['lolek', 'bolek', 'reksio']);
    expect(config.resources.map((r) => [r.name, r.scripts, r.priority, r.role])).toEqual([
      ['daemon', { kind: 'exec', path: '/etc/daemon.sh' }, 0, 'secondary'],
      ['storage', { kind: 'exec', path: '/etc/storage.sh' }, 0, 'secondary'],
    ]);
    for (const resource of config.resources) expect(resource.members).toEqual(members);
  });

  it('loads on bolek', () => {
    const config = nodeConfig('bolek');
    expect(config.remotes.map((r) => r.host)).toEqual(['lolek']);
    expect(config.resources.map((r) => [r.name, r.priority])).toEqual([
      ['daemon', 1],
      ['storage', 1],
    ]);
  });

  it('loads on reksio', () => {
    const config = nodeConfig('reksio');
    expect(config.remotes.map((r) => r.text)).toEqual(['tcp4://lolek', 'tcp4://bolek']);
    expect(config.resources.map((r) => [r.name, r.priority, r.remotes.length])).toEqual([
      ['daemon', 100, 2],
      ['storage', 100, 2],
    ]);
  });

  it('gives the core both resources with their exec scripts', () => {
    const core = toCoreConfig(nodeConfig('lolek'), { forceStart: false });
    expect(core.node).toBe('lolek');
    expect(core.resources.map((r) => [r.name, r.notify, r.attempts, r.complaintCount, r.complaintInterval])).toEqual([
      ['daemon', true, 5, 3, 60_000],
      ['storage', true, 5, 3, 60_000],
    ]);
    expect(core.resources[0]?.members).toEqual(members);
  });
});
