import type { NodeConfig } from './model.js';
import { describe, expect, it } from 'vitest';
import { toCoreConfig } from './core-config.js';
import { formatConfigError } from './errors.js';
import { defaultConfig } from './freehad.js';
import { parseConfig } from './parse.js';
import { resolveForNode } from './resolve.js';

const TEXT = `
heartbeat_interval 100ms
deadtime 400ms
lease 600ms
shutdown_grace 2s
resource web {
  scripts /srv/web
  fence /sbin/fence-web
  failback auto
  timeout 12s
  attempts 2
  monitor_interval 3s
  monitor_fall 4
  complaint_count 6
  complaint_interval 2m
  on a {
    priority 1
  }
  on b {
    priority 2
  }
  on w {
    role_on_start watchdog
  }
}
resource db {
  exec /srv/db.sh
  on a {
  }
}
`;

function nodeConfig() {
  const parsed = parseConfig(TEXT, 'test.conf');
  if (!parsed.ok) throw new Error(parsed.errors.map(formatConfigError).join('\n'));
  const resolved = resolveForNode(parsed.config, 'a');
  if (!resolved.ok) throw new Error(resolved.errors.map(formatConfigError).join('\n'));
  return resolved.config;
}

describe('toCoreConfig', () => {
  it('maps every resource setting into the core vocabulary', () => {
    const core = toCoreConfig(nodeConfig(), { forceStart: true, alert: (r) => r.name === 'web' });
    expect(core).toEqual({
      node: 'a',
      forceStart: true,
      etcd: null,
      timing: { heartbeatInterval: 100, deadtime: 400, lease: 600, guard: 60, maxClockDrift: 0.01, shutdownGrace: 2_000, offlineDefault: 30_000 },
      resources: [
        {
          name: 'web',
          members: [
            { node: 'a', priority: 1, roleOnStart: 'secondary' },
            { node: 'b', priority: 2, roleOnStart: 'secondary' },
            { node: 'w', priority: 100, roleOnStart: 'watchdog' },
          ],
          attempts: 2,
          monitorInterval: 3_000,
          monitorFall: 4,
          localRestarts: 0,
          scriptTimeout: 12_000,
          failback: 'auto',
          fence: true,
          alert: true,
          notify: false,
          complaintCount: 6,
          complaintInterval: 120_000,
        },
        {
          name: 'db',
          members: [{ node: 'a', priority: 100, roleOnStart: 'secondary' }],
          attempts: 5,
          monitorInterval: 2_000,
          monitorFall: 3,
          localRestarts: 0,
          scriptTimeout: 30_000,
          failback: 'manual',
          fence: false,
          alert: false,
          notify: true,
          complaintCount: 3,
          complaintInterval: 60_000,
        },
      ],
    });
  });

  it('has no alert scripts unless the shell found them', () => {
    expect(toCoreConfig(nodeConfig(), { forceStart: false }).resources.map((r) => r.alert)).toEqual([false, false]);
  });

  it('makes etcd a voter only with an etcd section, its TTL the lease rounded up to whole seconds', () => {
    expect(toCoreConfig(nodeConfig(), { forceStart: false }).etcd).toBeNull();
    const etcd = { endpoints: [], prefix: '/hastmon/', auth: null, tls: null, timeout: 1000 } as unknown as NonNullable<NodeConfig['etcd']>;
    const config = { ...nodeConfig(), etcd, timing: { ...nodeConfig().timing, lease: 2500 } };
    expect(toCoreConfig(config, { forceStart: false }).etcd).toEqual({ ttlMs: 3000 });
  });

  it('passes freehad member discovery through', () => {
    const core = toCoreConfig(defaultConfig({ node: 'n1', scriptDir: '/s', expectedNodes: 3 }), { forceStart: false });
    expect(core.resources[0]?.discoverMembers).toEqual({ expectedNodes: 3, priority: 100 });
    expect('discoverMembers' in (toCoreConfig(nodeConfig(), { forceStart: false }).resources[0] ?? {})).toBe(false);
  });
});
