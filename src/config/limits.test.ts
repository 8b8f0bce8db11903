import { describe, expect, it } from 'vitest';
import { formatConfigError } from './errors.js';
import { parseConfig } from './parse.js';
import { resolveForNode } from './resolve.js';
import { encodeHeartbeat } from '../wire/encode.js';
import { MAX_DATAGRAM_BYTES } from '../wire/format.js';

const FILE = 'hastmon.conf';

/** A file with every node in every resource, one statement a line, and where each resource starts. */
function cluster(nodes: readonly string[], resources: readonly string[], key = false): { text: string; resourceLine: (i: number) => number } {
  const lines: string[] = key ? ['key { secret "k" }'] : [];
  const starts: number[] = [];
  for (const r of resources) {
    starts.push(lines.length + 1);
    lines.push(`resource ${r} {`, '  exec /etc/r.sh');
    for (const n of nodes) lines.push(`  on ${n} {`, '  }');
    lines.push('}');
  }
  return { text: `${lines.join('\n')}\n`, resourceLine: (i) => starts[i] ?? 0 };
}

function errorsOf(text: string): string[] {
  const parsed = parseConfig(text, FILE);
  return parsed.ok ? [] : parsed.errors.map(formatConfigError);
}

const names = (prefix: string, count: number, length = 0): string[] =>
  Array.from({ length: count }, (_, i) => `${prefix}${i}`.padEnd(length, '_'));

describe('configuration limits: the largest heartbeat fits in a datagram', () => {
  it('refuses 100 resources, at the resource that passes the limit, and says how many fit', () => {
    const { text, resourceLine } = cluster(['lolek', 'bolek'], names('r', 100));
    const errors = errorsOf(text);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      new RegExp(`^${FILE}:${resourceLine(67)}: the heartbeat of node 'lolek' would be 2046 bytes \\(2 nodes, 100 resources\\), more than the 1400-byte datagram limit: with names as long as these, 67 resources fit with 2 nodes; use fewer`),
    );
    // The count is right: that many resources load, one more does not.
    expect(errorsOf(cluster(['lolek', 'bolek'], names('r', 67)).text)).toEqual([]);
    expect(errorsOf(cluster(['lolek', 'bolek'], names('r', 68)).text)).toHaveLength(1);
  });

  it('refuses 3 nodes with 61 resources, and counts the MAC when there is a key', () => {
    const resources = names('resource', 61);
    expect(errorsOf(cluster(['lolek', 'bolek', 'reksio'], resources).text)[0]).toMatch(/would be 1712 bytes \(3 nodes, 61 resources\).* 49 resources fit with 3 nodes;/);
    expect(errorsOf(cluster(['lolek', 'bolek', 'reksio'], resources, true).text)[0]).toMatch(/would be 1744 bytes \(3 nodes, 61 resources, with the key\).* 47 resources fit/);
  });

  it('refuses long node names at the node that passes the limit, and says how many nodes fit', () => {
    const nodes = names('n', 6, 255);
    const errors = errorsOf(cluster(nodes, ['r']).text);
    // The sixth node's section (line 13) makes the first node's heartbeat too large.
    expect(errors).toEqual([
      `${FILE}:13: the heartbeat of node '${nodes[0]?.slice(0, 32)}…' would be 1646 bytes (6 nodes, 1 resource), more than the 1400-byte datagram limit: with names as long as these, 0 resources fit with 6 nodes, or 5 nodes with 1 resource; use fewer resources or nodes, or shorter names`,
    ]);
    expect(errorsOf(cluster(names('n', 5, 255), ['r']).text)).toEqual([]);
  });

  it('refuses a name longer than a heartbeat can carry', () => {
    expect(errorsOf(cluster(['lolek', 'x'.repeat(300)], ['r']).text)).toEqual([
      `${FILE}:5: node name '${'x'.repeat(32)}…' is 300 bytes long: heartbeats carry names of at most 255 bytes (UTF-8)`,
    ]);
    expect(errorsOf(cluster(['lolek'], ['é'.repeat(128)]).text)[0]).toMatch(/^hastmon.conf:1: resource name '.*' is 256 bytes long/);
    expect(errorsOf('resource "" {\n  exec /etc/r.sh\n  on a {\n  }\n}\n')).toEqual([`${FILE}:1: empty resource name: expected 1 to 255 bytes`]);
  });

  it('accepts the design point, 16 nodes and 8 resources with 32-byte names and a key, and every node can encode its fullest heartbeat', () => {
    const nodes = names('node-', 16, 32);
    const resources = names('resource-', 8, 32);
    const parsed = parseConfig(cluster(nodes, resources, true).text, FILE);
    expect(parsed.ok ? [] : parsed.errors).toEqual([]);
    if (!parsed.ok) return;
    for (const node of nodes) {
      const config = resolveForNode(parsed.config, node);
      expect(config.ok).toBe(true);
      const heartbeat = {
        node,
        incarnation: Date.now(),
        seq: 0xffff_ffff,
        sentAt: 1e12,
        leaving: false,
        echoes: nodes.filter((n) => n !== node).map((n) => ({ node: n, seq: 1, sentAt: 1 })),
        resources: resources.map((name) => ({ name, state: 'RUNNING' as const, role: 'primary' as const, priority: 0, eligible: true, yielding: false, forced: false, dirty: false, offline: false, vote: node, voteEcho: 1 })),
      };
      expect(encodeHeartbeat(heartbeat, Buffer.from('k')).length).toBeLessThanOrEqual(MAX_DATAGRAM_BYTES);
    }
  });
});

describe('checking a large file', () => {
  // Each of these took 6 s and more while some step compared every resource or node with every
  // other. How the time grows with the file is measured by `npm run bench:config`, which prints
  // its figures; here, what the check says of such a file.
  const pairsOfNodes = (n: number): string =>
    Array.from({ length: n }, (_, i) => `resource r${i} {\n  exec /etc/r.sh\n  on a${i} {\n  }\n  on b${i} {\n  }\n}\n`).join('');

  it('refuses 10,000 resources of one pair of nodes, at the resource that passes the limit', () => {
    const errors = errorsOf(cluster(['a', 'b'], Array.from({ length: 10_000 }, (_, i) => `r${i}`)).text);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^hastmon\.conf:\d+: the heartbeat of node 'a' would be \d+ bytes \(2 nodes, 10000 resources\)/);
  });

  it('refuses 10,000 resources of as many pairs of nodes', () => {
    const errors = errorsOf(pairsOfNodes(10_000));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/the heartbeat of node '\w+' would be \d+ bytes \(20000 nodes, 1 resource\)/);
  });
});
