import { describe, expect, it } from 'vitest';
import { formatConfigError } from './errors.js';
import type { ClusterConfig } from './model.js';
import { parseConfig } from './parse.js';
import { resolveForNode } from './resolve.js';

const FILE = '/etc/test.conf';

function cluster(text: string): ClusterConfig {
  const result = parseConfig(text, FILE);
  if (!result.ok) throw new Error(result.errors.map(formatConfigError).join('\n'));
  return result.config;
}

function resolved(text: string, node: string) {
  const result = resolveForNode(cluster(text), node);
  if (!result.ok) throw new Error(result.errors.map(formatConfigError).join('\n'));
  return result.config;
}

function errorsFor(text: string, node: string): string[] {
  const result = resolveForNode(cluster(text), node);
  return result.ok ? [] : result.errors.map(formatConfigError);
}

describe('resolveForNode', () => {
  it('fills in the documented defaults', () => {
    const config = resolved('resource r {\n  exec /etc/r.sh\n  on a {\n  }\n  on b {\n  }\n}\n', 'a');
    expect(config).toEqual({
      node: 'a',
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
          name: 'r',
          role: 'secondary',
          priority: 100,
          scripts: { kind: 'exec', path: '/etc/r.sh' },
          fence: null,
          members: [
            { node: 'a', priority: 100, roleOnStart: 'secondary' },
            { node: 'b', priority: 100, roleOnStart: 'secondary' },
          ],
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
      peers: { kind: 'configured', nodes: ['a', 'b'] },
      etcd: null,
    });
  });

  it('makes the peers every node of the file, once, spelled as the file first spells it', () => {
    const text = 'on Reksio {\n}\nresource r {\n  exec /etc/r.sh\n  on a {\n  }\n  on b {\n  }\n  on reksio {\n  }\n}\n';
    expect(resolved(text, 'b').peers).toEqual({ kind: 'configured', nodes: ['Reksio', 'a', 'b'] });
  });

  it('takes each setting from the most specific section', () => {
    const text = `
timeout 10
attempts 9
monitor_fall 9
fence /global-fence
failback auto
role_on_start init
scripts /global-scripts
on a {
  priority 4
  role_on_start secondary
}
on c {
  role_on_start watchdog
}
resource r {
  timeout 20
  attempts 8
  failback manual
  on a {
    timeout 30
    exec /a.sh
  }
  on b {
    priority 2
    fence /b-fence
  }
  on c {
  }
}
`;
    const a = resolved(text, 'a').resources[0];
    expect(a).toMatchObject({
      role: 'secondary',
      priority: 4,
      scripts: { kind: 'exec', path: '/a.sh' },
      fence: '/global-fence',
      scriptTimeout: 30_000,
      attempts: 8,
      monitorFall: 9,
      localRestarts: 0,
      failback: 'manual',
    });
    expect(a?.members).toEqual([
      { node: 'a', priority: 4, roleOnStart: 'secondary' },
      { node: 'b', priority: 2, roleOnStart: 'init' },
      { node: 'c', priority: 100, roleOnStart: 'watchdog' },
    ]);
    const b = resolved(text, 'b').resources[0];
    expect(b).toMatchObject({ role: 'init', priority: 2, fence: '/b-fence', scriptTimeout: 20_000 });
    expect(b?.scripts).toEqual({
      kind: 'scripts',
      dir: '/global-scripts',
      start: '/global-scripts/starthasrv',
      monitor: '/global-scripts/monitorhasrv',
      stop: '/global-scripts/stophasrv',
      alert: '/global-scripts/alerthasrv',
    });
    expect(resolved(text, 'c').resources[0]?.role).toBe('watchdog');
  });

  it("gives each node its own listen address, control socket, state file, ping and shutdown grace", () => {
    const text = `
control /run/ctl
ping 192.0.2.1
shutdown_grace 3s
on a {
  listen 127.0.0.1:9001
  control /run/a.ctl
  state_file /run/a.state
  ping 127.0.0.1
}
on b {
  listen :9002
  shutdown_grace 0
}
resource r {
  exec /r.sh
  on a {
  }
  on b {
  }
}
`;
    expect(resolved(text, 'a')).toMatchObject({
      listen: { host: '127.0.0.1', port: 9001 },
      control: '/run/a.ctl',
      stateFile: '/run/a.state',
      ping: '127.0.0.1',
      timing: { shutdownGrace: 3_000 },
    });
    expect(resolved(text, 'b')).toMatchObject({
      listen: { host: '0.0.0.0', port: 9002 },
      control: '/run/ctl',
      stateFile: '/var/run/hastmon',
      ping: '192.0.2.1',
      timing: { shutdownGrace: 0 },
    });
  });

  it('sends unicast to the remotes when no channel is configured', () => {
    const text = `
on a {
  remote 127.0.0.1:9003
}
resource r {
  exec /r.sh
  on a {
    remote tcp4://127.0.0.1:9002 127.0.0.1:9003
  }
  on b {
  }
}
resource s {
  exec /s.sh
  on a {
    remote udp://127.0.0.1:9002
  }
}
`;
    const config = resolved(text, 'a');
    const peers = [
      { text: '127.0.0.1:9003', host: '127.0.0.1', port: 9003 },
      { text: 'tcp4://127.0.0.1:9002', host: '127.0.0.1', port: 9002 },
    ];
    expect(config.remotes).toEqual(peers);
    expect(config.channels).toEqual([{ kind: 'unicast', peers }]);
    expect(config.resources.map((r) => r.remotes.map((e) => e.text))).toEqual([
      ['tcp4://127.0.0.1:9002', '127.0.0.1:9003'],
      ['udp://127.0.0.1:9002'],
    ]);
  });

  it("uses a node's own channels instead of the global ones", () => {
    const text = `
channel multicast
channel broadcast 192.0.2.255
on a {
  channel multicast 239.1.1.1 interface 127.0.0.1 ttl 0
  channel unicast
  remote 127.0.0.1:9002
}
resource r {
  exec /r.sh
  on a {
  }
  on b {
  }
}
`;
    expect(resolved(text, 'a').channels).toEqual([
      { kind: 'multicast', group: '239.1.1.1', port: 8458, interface: '127.0.0.1', ttl: 0 },
      { kind: 'unicast', peers: [{ text: '127.0.0.1:9002', host: '127.0.0.1', port: 9002 }] },
    ]);
    expect(resolved(text, 'b').channels).toEqual([
      { kind: 'multicast', group: '239.255.42.99', port: 8458, interface: null, ttl: 1 },
      { kind: 'broadcast', address: '192.0.2.255', port: 8458 },
    ]);
  });

  it('reports a unicast channel for a node without remotes', () => {
    const text = 'channel unicast\nresource r {\n  exec /r.sh\n  on a {\n    remote b\n  }\n  on b {\n  }\n}\n';
    expect(errorsFor(text, 'a')).toEqual([]);
    expect(errorsFor(text, 'b')).toEqual([
      `${FILE}:1: channel unicast for node 'b' has no peers: expected 'remote' addresses in its 'on' sections`,
    ]);
  });

  it('reports each resource without an on section for the node', () => {
    const text = 'exec /x\nresource r {\n  on a {\n  }\n}\nresource s {\n  on a {\n  }\n  on b {\n  }\n}\n';
    expect(errorsFor(text, 'b')).toEqual([
      `${FILE}:2: resource 'r' has no 'on' section for node 'b' (it names a): expected 'on b { }' in it`,
    ]);
    expect(errorsFor(text, 'z')).toHaveLength(2);
  });

  it('reports a node not named in a file without resources', () => {
    expect(errorsFor('on a {\n  listen 127.0.0.1:9000\n}\n', 'z')).toEqual([
      `${FILE}: names no node 'z' (it names a): give this node's name with -N, or add 'on z { }' sections`,
    ]);
  });

  it('joins the friends of the global section and of the node’s resources', () => {
    const text = `
friends a
resource r {
  exec /r.sh
  friends a b
  on a {
  }
  on b {
  }
}
resource s {
  exec /s.sh
  friends c
  on a {
  }
}
`;
    expect(resolved(text, 'a').friends).toEqual(['a', 'b', 'c']);
  });

  it('matches the node name without regard to case and keeps the spelling of the file', () => {
    const config = resolved('resource r {\n  exec /r.sh\n  on Lolek {\n  }\n}\n', 'lolek');
    expect(config.node).toBe('Lolek');
    expect(config.resources[0]?.members.map((m) => m.node)).toEqual(['Lolek']);
  });

  it('passes the key through without reading a key file', () => {
    const text = 'key { algorithm sha256; secret_file /nonexistent/key }\nresource r {\n  exec /r.sh\n  on a {\n  }\n}\n';
    expect(resolved(text, 'a').key).toEqual({ algorithm: 'sha256', source: 'secret_file', path: '/nonexistent/key' });
  });
});
