import { describe, expect, it } from 'vitest';
import { defaultConfig, freehadTiming } from './freehad.js';

describe('defaultConfig (no configuration file)', () => {
  it("runs one resource 'service' with FreeHA's scripts on the default multicast channel", () => {
    expect(defaultConfig({ node: 'alpha', scriptDir: '/opt/ha/bin', expectedNodes: 3 })).toEqual({
      node: 'alpha',
      listen: { text: '0.0.0.0:8458', host: '0.0.0.0', port: 8458 },
      control: '/var/run/hastmonctl',
      http: null,
      stateFile: '/var/run/hastmon',
      channels: [{ kind: 'multicast', group: '239.255.42.99', port: 8458, interface: null, ttl: 1 }],
      key: null,
      friends: [],
      remotes: [],
      ping: null,
      timing: { heartbeatInterval: 200, deadtime: 1_000, lease: 1_000, guard: 100, maxClockDrift: 0.01, shutdownGrace: 0, offlineDefault: 30_000 },
      resources: [
        {
          name: 'service',
          role: 'secondary',
          priority: 100,
          scripts: {
            kind: 'scripts',
            dir: '/opt/ha/bin',
            start: '/opt/ha/bin/starthasrv',
            monitor: '/opt/ha/bin/monitorhasrv',
            stop: '/opt/ha/bin/stophasrv',
            alert: '/opt/ha/bin/alerthasrv',
          },
          fence: null,
          members: [{ node: 'alpha', priority: 100, roleOnStart: 'secondary' }],
          discoverMembers: { expectedNodes: 3, priority: 100 },
          remotes: [],
          attempts: 5,
          monitorInterval: 2_000,
          monitorFall: 3,
          localRestarts: 0,
          scriptTimeout: 30_000,
          failback: 'manual',
          complaintCount: 3,
          complaintInterval: 60_000,
        },
      ],
      peers: { kind: 'discovered', expectedNodes: 3 },
      etcd: null,
    });
  });
});

describe('defaultConfig with the flags that tune it', () => {
  it('takes the control socket, the timing and the attempts from them', () => {
    const config = defaultConfig({
      node: 'bolek',
      scriptDir: '/opt/s',
      expectedNodes: 2,
      tuning: { control: '/tmp/bolek.sock', heartbeatInterval: 200, deadtime: 1_000, lease: 1_500, attempts: 2 },
    });
    expect(config.control).toBe('/tmp/bolek.sock');
    expect(config.timing).toMatchObject({ heartbeatInterval: 200, deadtime: 1_000, lease: 1_500 });
    expect(config.resources[0]?.attempts).toBe(2);
  });

  it('refuses a timing the configuration would refuse', () => {
    expect(freehadTiming({ heartbeatInterval: 1_000, deadtime: 1_000 })).toMatchObject({ ok: false });
  });
});
