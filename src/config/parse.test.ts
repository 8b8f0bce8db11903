import { describe, expect, it } from 'vitest';
import { formatConfigError } from './errors.js';
import { keySection } from './key.js';
import { KEYWORD_SCOPES } from './keywords.js';
import { parseConfig } from './parse.js';
import { GUARD_FRACTION_OF_LEASE } from './defaults.js';
import { HEARTBEATS_PER_ENDORSEMENT_WINDOW, MIN_GUARD_MS, QUIET_HOST_GUARD_MS, shortGuardWarning } from './timing.js';
import { endorsementWindow } from '../core/quorum.js';

const FILE = '/etc/test.conf';

/** A valid resource, appended after the lines under test so they keep their line numbers. */
const RESOURCE = 'resource r {\n  exec /etc/r.sh\n  on a {\n  }\n  on b {\n  }\n}\n';

function errorsOf(text: string): string[] {
  const result = parseConfig(text, FILE);
  return result.ok ? [] : result.errors.map(formatConfigError);
}

function parsed(text: string) {
  const result = parseConfig(text, FILE);
  if (!result.ok) throw new Error(result.errors.map(formatConfigError).join('\n'));
  return result.config;
}

const EVERY_KEYWORD = `# every keyword, in every place it may appear
control /run/h/ctl
listen 0.0.0.0:9000
state_file /run/h/state
timeout 20
exec /etc/default.sh
attempts 4
heartbeat_interval 100ms
friends lolek bolek
key { algorithm sha256; secret "s3cret" }
complaint_count 2
complaint_interval 30s
role_on_start init
channel multicast 239.255.42.99 interface 127.0.0.1 ttl 0
deadtime 500ms
lease 2s
monitor_interval 1s
monitor_fall 2
local_restarts 1
failback auto
ping 192.0.2.1
fence /etc/fence.sh
shutdown_grace 5s

on lolek {
  listen 127.0.0.1:9001
  control /run/h/lolek.ctl
  state_file /run/h/lolek
  channel unicast
  ping 127.0.0.1
  shutdown_grace 1s
  priority 7
  remote 127.0.0.1:9002
  role_on_start secondary
  http 127.0.0.1:9458
}

resource web {
  scripts /usr/local/etc/web
  friends reksio
  complaint_count 4
  complaint_interval 1m
  failback manual
  timeout 1m
  attempts 3
  monitor_interval 500ms
  monitor_fall 5
  fence /etc/web-fence.sh
  on lolek {
    priority 0
    remote tcp4://bolek udp://[::1]:9003
    role_on_start primary
    exec /etc/web-lolek.sh
    timeout 45s
    attempts 2
    monitor_interval 3s
    monitor_fall 4
    fence /etc/lolek-fence.sh
  }
  on bolek { priority 1 }
}
`;

describe('parseConfig: keywords', () => {
  it('knows exactly the keywords of the design', () => {
    expect(Object.keys(KEYWORD_SCOPES).sort()).toEqual(
      [
        'control', 'listen', 'timeout', 'exec', 'resource', 'priority', 'attempts', 'heartbeat_interval', 'friends',
        'remote', 'key', 'complaint_count', 'complaint_interval', 'on', 'role_on_start', 'channel', 'deadtime', 'lease',
        'scripts', 'monitor_interval', 'monitor_fall', 'local_restarts', 'failback', 'ping', 'fence', 'shutdown_grace', 'state_file',
        'http',
        'etcd',
      ].sort(),
    );
  });

  it('reads every keyword in every place it may appear', () => {
    const config = parsed(EVERY_KEYWORD);
    const values = (settings: object) =>
      Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, (v as { value: unknown }).value]));
    expect(values(config.global.settings)).toEqual({
      control: '/run/h/ctl',
      listen: { text: '0.0.0.0:9000', host: '0.0.0.0', port: 9000 },
      state_file: '/run/h/state',
      timeout: 20_000,
      exec: '/etc/default.sh',
      attempts: 4,
      heartbeat_interval: 100,
      friends: ['lolek', 'bolek'],
      key: { algorithm: 'sha256', source: 'secret', secret: 's3cret' },
      complaint_count: 2,
      complaint_interval: 30_000,
      role_on_start: 'init',
      deadtime: 500,
      lease: 2_000,
      monitor_interval: 1_000,
      monitor_fall: 2,
      local_restarts: 1,
      failback: 'auto',
      ping: '192.0.2.1',
      fence: '/etc/fence.sh',
      shutdown_grace: 5_000,
    });
    expect(config.global.channels).toEqual([
      { value: { kind: 'multicast', group: '239.255.42.99', port: 8458, interface: '127.0.0.1', ttl: 0 }, line: 14 },
    ]);
    const [lolek] = config.nodes;
    expect(lolek?.name).toBe('lolek');
    expect(lolek?.line).toBe(25);
    expect(values(lolek?.settings ?? {})).toEqual({
      listen: { text: '127.0.0.1:9001', host: '127.0.0.1', port: 9001 },
      control: '/run/h/lolek.ctl',
      state_file: '/run/h/lolek',
      ping: '127.0.0.1',
      shutdown_grace: 1_000,
      priority: 7,
      remote: [{ text: '127.0.0.1:9002', host: '127.0.0.1', port: 9002 }],
      http: { text: '127.0.0.1:9458', host: '127.0.0.1', port: 9458 },
      role_on_start: 'secondary',
    });
    expect(lolek?.channels).toEqual([{ value: { kind: 'unicast' }, line: 29 }]);
    const [web] = config.resources;
    expect(web?.name).toBe('web');
    expect(values(web?.settings ?? {})).toEqual({
      scripts: '/usr/local/etc/web',
      friends: ['reksio'],
      complaint_count: 4,
      complaint_interval: 60_000,
      failback: 'manual',
      timeout: 60_000,
      attempts: 3,
      monitor_interval: 500,
      monitor_fall: 5,
      fence: '/etc/web-fence.sh',
    });
    expect(web?.nodes.map((n) => [n.name, n.line])).toEqual([['lolek', 49], ['bolek', 60]]);
    expect(values(web?.nodes[0]?.settings ?? {})).toEqual({
      priority: 0,
      remote: [
        { text: 'tcp4://bolek', host: 'bolek', port: 8458 },
        { text: 'udp://[::1]:9003', host: '::1', port: 9003 },
      ],
      role_on_start: 'primary',
      exec: '/etc/web-lolek.sh',
      timeout: 45_000,
      attempts: 2,
      monitor_interval: 3_000,
      monitor_fall: 4,
      fence: '/etc/lolek-fence.sh',
    });
    expect(values(web?.nodes[1]?.settings ?? {})).toEqual({ priority: 1 });
    expect(config.timing).toEqual({
      heartbeatInterval: 100,
      deadtime: 500,
      lease: 2_000,
      guard: 200,
      maxClockDrift: 0.01,
      shutdownGrace: 5_000,
      offlineDefault: 30_000,
    });
  });

  it('reads a key kept in a file, without reading the file', () => {
    const config = parsed(`key {\n  algorithm sha256\n  secret_file /etc/hastmon.key\n}\n${RESOURCE}`);
    expect(config.global.settings.key).toEqual({ value: { algorithm: 'sha256', source: 'secret_file', path: '/etc/hastmon.key' }, line: 1 });
  });

  it('reads the key section hastmon -k prints', () => {
    const secret = 'c0ffee'.repeat(10);
    const section = keySection(secret);
    expect(section).toBe(`key {\n        algorithm sha256\n        secret "${secret}"\n}\n`);
    expect(parsed(`${section}${RESOURCE}`).global.settings.key?.value).toEqual({ algorithm: 'sha256', source: 'secret', secret });
    expect(() => keySection('has "quotes"')).toThrow();
  });

  it('takes the algorithm as sha256 when it is left out', () => {
    expect(parsed(`key { secret "x" }\n${RESOURCE}`).global.settings.key?.value).toEqual({ algorithm: 'sha256', source: 'secret', secret: 'x' });
  });

  it('accepts three channels, quoted paths and comments after values', () => {
    const config = parsed(
      `channel multicast\nchannel broadcast 127.255.255.255\nchannel unicast # for the cloud\nexec "/opt/my scripts/run.sh"\nresource r {\n on a { remote b }\n}\n`,
    );
    expect(config.global.channels.map((c) => c.value.kind)).toEqual(['multicast', 'broadcast', 'unicast']);
    expect(config.global.settings.exec?.value).toBe('/opt/my scripts/run.sh');
  });

  it('uses the documented timing defaults', () => {
    expect(parsed(RESOURCE).timing).toEqual({
      heartbeatInterval: 200,
      deadtime: 1_000,
      lease: 1_000,
      guard: 100,
      maxClockDrift: 0.01,
      shutdownGrace: 0,
      offlineDefault: 30_000,
    });
  });

  it('accepts the shortest lease whose guard and endorsement window hold (5ms/20ms/20ms), with a warning', () => {
    const lease = MIN_GUARD_MS / GUARD_FRACTION_OF_LEASE;
    const heartbeat = 5;
    const timing = parsed(`heartbeat_interval ${heartbeat}ms\ndeadtime ${lease}ms\nlease ${lease}ms\n${RESOURCE}`).timing;
    expect(timing.guard).toBe(MIN_GUARD_MS);
    expect(endorsementWindow(timing)).toBeGreaterThanOrEqual(HEARTBEATS_PER_ENDORSEMENT_WINDOW * heartbeat);
    expect(shortGuardWarning(timing)).toBe(
      'lease 20ms leaves a guard of 2ms: a stall of the holder longer than that (a garbage collection, a busy host) can let the next holder start before it begins to stop; use lease 50ms or more unless the host is dedicated and quiet',
    );
    const quiet = parsed(`heartbeat_interval 10ms\ndeadtime 50ms\nlease ${QUIET_HOST_GUARD_MS / GUARD_FRACTION_OF_LEASE}ms\n${RESOURCE}`).timing;
    expect(shortGuardWarning(quiet)).toBeNull();
  });

  it("stretches the default deadtime and lease for HASTMON's slow heartbeats", () => {
    const timing = parsed(`heartbeat_interval 10\n${RESOURCE}`).timing;
    expect(timing).toMatchObject({ heartbeatInterval: 10_000, deadtime: 50_000, lease: 50_000, guard: 5_000 });
    expect(parsed(`deadtime 3s\n${RESOURCE}`).timing).toMatchObject({ deadtime: 3_000, lease: 3_000 });
  });
});

describe('parseConfig: errors as file:line: message', () => {
  it.each([
    ['an unknown keyword', 'colour blue\n', [`${FILE}:1: unknown keyword 'colour' in the global section: expected one of attempts, channel, complaint_count, complaint_interval, control, deadtime, etcd, exec, failback, fence, friends, heartbeat_interval, key, lease, listen, local_restarts, monitor_fall, monitor_interval, on, ping, resource, role_on_start, scripts, shutdown_grace, state_file, timeout`]],
    ['a keyword in the wrong section', 'priority 3\n', [`${FILE}:1: 'priority' is not allowed in the global section: it belongs in a global 'on' section or an 'on' section inside a resource`]],
    ['a cluster-wide keyword in a node section', 'on a {\n  deadtime 2s\n}\n', [`${FILE}:2: 'deadtime' is not allowed in a global 'on' section: it belongs in the global section`]],
    ['a duplicate keyword', 'attempts 3\nattempts 4\n', [`${FILE}:2: duplicate 'attempts' in the global section (first given at line 1)`]],
    ['a missing argument', 'attempts\n', [`${FILE}:1: missing argument: attempts expects a number`]],
    ['too many arguments', 'attempts 3 4\n', [`${FILE}:1: attempts takes one argument (a number), found 2: '3 4'`]],
    ['a bad number', 'attempts three\n', [`${FILE}:1: bad number 'three' for attempts: expected a whole number of 1 or more`]],
    ['a bad time', 'timeout 5 min\n', [`${FILE}:1: timeout takes one argument (a time such as 200ms, 1s or 2m), found 2: '5 min'`]],
    ['a bad time unit', 'monitor_interval 5min\n', [`${FILE}:1: bad time '5min' for monitor_interval: expected a number with an optional unit ms, s, m or h (200ms, 1s, 2m); a bare number means seconds`]],
    ['a zero time', 'heartbeat_interval 0\n', [`${FILE}:1: heartbeat_interval must be longer than 0, found '0'`]],
    ['an unknown role', 'role_on_start master\n', [`${FILE}:1: unknown role 'master': expected init, secondary, primary or watchdog`]],
    ['an unknown failback', 'failback sometimes\n', [`${FILE}:1: unknown failback 'sometimes': expected auto or manual`]],
    ['a relative path', 'exec etc/r.sh\n', [`${FILE}:1: bad path 'etc/r.sh' for exec: expected an absolute path (starting with /)`]],
    ['a bad remote', 'on a {\n  remote ftp://b\n}\n', [`${FILE}:2: bad address 'ftp://b' for remote: unknown scheme 'ftp://'; expected host, host:port, [IPv6]:port or udp://host:port`]],
    ['a bad channel', 'channel smoke\n', [`${FILE}:1: unknown channel kind 'smoke': expected 'channel multicast [GROUP[:PORT]] [interface ADDR] [ttl N]', 'channel broadcast ADDR[:PORT]' or 'channel unicast'`]],
    ['more than three channels', 'channel multicast\nchannel multicast 239.1.1.1\nchannel multicast 239.1.1.2\nchannel multicast 239.1.1.3\n', [`${FILE}:4: too many channels in the global section: expected at most 3, this is channel 4`]],
    ['the same channel twice', 'channel multicast\nchannel multicast 239.255.42.99:8458\n', [`${FILE}:2: duplicate channel in the global section (the same as line 1)`]],
    ['a block after a plain keyword', 'attempts 3 {\n}\n', [`${FILE}:1: 'attempts' does not open a section: unexpected '{'`]],
    ['deadtime not above twice the heartbeat', 'heartbeat_interval 500ms\ndeadtime 1s\n', [`${FILE}:2: deadtime 1s is too short for heartbeat_interval 500ms: expected more than twice the heartbeat interval (over 1s)`]],
    ['a lease shorter than deadtime', 'deadtime 2s\nlease 1500ms\n', [`${FILE}:2: lease 1.5s is shorter than deadtime 2s: expected at least the deadtime`]],
    ['a lease shorter than a derived deadtime', 'heartbeat_interval 1s\nlease 2s\n', [`${FILE}:2: lease 2s is shorter than deadtime 5s: expected at least the deadtime`]],
    [
      'a lease too short for the heartbeat to renew endorsements in time',
      'heartbeat_interval 1s\ndeadtime 2001ms\n',
      [`${FILE}:2: lease 2001ms is too short for heartbeat_interval 1s: a holder would count each endorsement for only 1540ms, expected at least 3 heartbeat intervals (lease 3897ms or more)`],
    ],
    [
      'a lease whose guard rounds to nothing',
      'heartbeat_interval 1ms\ndeadtime 3ms\nlease 4ms\n',
      [`${FILE}:3: lease 4ms is too short: its guard, a tenth of it, would be 0ms, expected at least 2ms to cover a timer's lateness (lease 20ms or more)`],
    ],
    [
      'a lease whose guard is just too short',
      'heartbeat_interval 5ms\ndeadtime 11ms\nlease 19ms\n',
      [`${FILE}:3: lease 19ms is too short: its guard, a tenth of it, would be 1ms, expected at least 2ms to cover a timer's lateness (lease 20ms or more)`],
    ],
    ['an unterminated string', 'exec "/etc/r.sh\n', [`${FILE}:1: unterminated string: expected a closing '"' on the same line`]],
    ['a stray }', 'attempts 3\n}\n', [`${FILE}:2: unexpected '}': no section is open here`]],
    ['a watchdog with a priority in its own section', 'on a {\n  role_on_start watchdog\n  priority 2\n}\n', [`${FILE}:3: priority for watchdog 'a': a watchdog votes but never runs a resource, so it has no priority`]],
  ])('reports %s', (_what, lines, expected) => {
    expect(errorsOf(`${lines}${RESOURCE}`)).toEqual(expected);
  });

  it('reports duplicate sections', () => {
    expect(errorsOf(`${RESOURCE}resource r {\n  exec /x\n  on a {\n  }\n}\n`)).toEqual([`${FILE}:8: duplicate section 'resource r' (first at line 1)`]);
    expect(errorsOf(`on a {\n}\non A {\n}\n${RESOURCE}`)).toEqual([`${FILE}:3: duplicate section 'on A' in the global section (first at line 1)`]);
    expect(errorsOf('resource r {\n  exec /x\n  on a {\n  }\n  on a {\n  }\n}\n')).toEqual([
      `${FILE}:5: duplicate section 'on a' in resource 'r' (first at line 3)`,
    ]);
  });

  it('reports sections without a name, with two names or without braces', () => {
    expect(errorsOf(`on {\n}\n${RESOURCE}`)).toEqual([`${FILE}:1: missing argument: on expects a node name`]);
    expect(errorsOf(`resource a b {\n}\n${RESOURCE}`)).toEqual([`${FILE}:1: resource takes one argument (a resource name), found 2: 'a b'`]);
    expect(errorsOf(`on a\n${RESOURCE}`)).toEqual([`${FILE}:1: expected '{' after 'on a': the section's settings go between braces`]);
  });

  it('reports a section that is never closed', () => {
    expect(errorsOf('resource r {\n  exec /x\n  on a {\n    priority 1\n}\n')).toEqual([`${FILE}:1: 'resource r' is never closed: expected '}'`]);
  });

  it('reports a resource without on sections, without a script, or with both kinds of script', () => {
    expect(errorsOf('resource r {\n  exec /x\n}\n')).toEqual([
      `${FILE}:1: resource 'r' has no 'on' sections: expected 'on NODE { }' for each node that takes part`,
    ]);
    expect(errorsOf('resource r {\n  on a {\n  }\n  on b {\n    exec /b.sh\n  }\n}\n')).toEqual([
      `${FILE}:2: resource 'r' has no script for node 'a': expected 'exec PATH' or 'scripts DIR' in the resource, in its 'on a' section or in the global section`,
    ]);
    expect(errorsOf('resource r {\n  exec /x\n  scripts /y\n  on a {\n  }\n}\n')).toEqual([
      `${FILE}:3: both 'exec' and 'scripts' in one section: expected HASTMON's exec script or FreeHA's script directory, not both`,
    ]);
  });

  it('reports a watchdog with a priority, whichever section makes it a watchdog', () => {
    const text = 'on c {\n  role_on_start watchdog\n}\nresource r {\n  exec /x\n  on a {\n  }\n  on c {\n    priority 5\n  }\n}\n';
    expect(errorsOf(text)).toEqual([
      `${FILE}:9: priority for watchdog 'c' in resource 'r': a watchdog votes but never runs the resource, so it has no priority`,
    ]);
    const inResource = 'resource r {\n  exec /x\n  on a {\n  }\n  on c {\n    priority 5\n    role_on_start watchdog\n  }\n}\n';
    expect(errorsOf(inResource)).toEqual([
      `${FILE}:6: priority for watchdog 'c' in resource 'r': a watchdog votes but never runs the resource, so it has no priority`,
    ]);
  });

  it('accepts a node that is a watchdog in one resource and has a priority for the others', () => {
    const text = 'exec /x\non c {\n  priority 5\n}\nresource r {\n  on a {\n  }\n  on c {\n    role_on_start watchdog\n  }\n}\nresource s {\n  on c {\n  }\n}\n';
    expect(errorsOf(text)).toEqual([]);
  });

  it('reports a resource with only watchdogs', () => {
    expect(errorsOf('role_on_start watchdog\nresource r {\n  exec /x\n  on a {\n  }\n}\n')).toEqual([
      `${FILE}:2: resource 'r' has no service node: every node in it is a watchdog; expected at least one that may run it`,
    ]);
  });

  it.each([
    ['no secret', 'key { algorithm sha256 }', `${FILE}:1: key has no secret: expected 'secret "…"' or 'secret_file PATH' inside it`],
    ['both secrets', 'key { secret "a"; secret_file /k }', `${FILE}:1: key has both 'secret' and 'secret_file': expected one of them`],
    ['another algorithm', 'key { algorithm md5; secret "a" }', `${FILE}:1: unknown algorithm 'md5': expected sha256`],
    ['an empty secret', 'key { secret "" }', `${FILE}:1: empty secret: expected at least one character`],
    ['an unknown field', 'key { secret "a"; salt "b" }', `${FILE}:1: unknown keyword 'salt' in key: expected algorithm, secret or secret_file`],
    ['a relative key file', 'key { secret_file k }', `${FILE}:1: bad path 'k' for secret_file: expected an absolute path (starting with /)`],
    ['a repeated field', 'key { secret "a"; secret "b" }', `${FILE}:1: duplicate 'secret' in key (first given at line 1)`],
    ['a key without braces', 'key "a"', `${FILE}:1: expected '{' after 'key': key { algorithm sha256; secret "…" }`],
    ['a key in a node section', 'on a { key { secret "a" } }', `${FILE}:1: 'key' is not allowed in a global 'on' section: it belongs in the global section`],
  ])('reports a key with %s', (_what, line, expected) => {
    expect(errorsOf(`${line}\n${RESOURCE}`)).toEqual([expected]);
  });

  it('reports two keys', () => {
    expect(errorsOf(`key { secret "a" }\nkey { secret "b" }\n${RESOURCE}`)).toEqual([`${FILE}:2: duplicate 'key' in the global section (first given at line 1)`]);
  });

  it('collects every error of the file, in line order', () => {
    const text = [
      'resource r {', //  1
      '  exec /x', //  2
      '  timeout soon', //  3
      '  on a {', //  4
      '    role_on_start boss', //  5
      '  }', //  6
      '}', //  7
      'deadtime 100ms', //  8
      'colour red', //  9
    ].join('\n');
    expect(errorsOf(text)).toEqual([
      `${FILE}:3: bad time 'soon' for timeout: expected a number with an optional unit ms, s, m or h (200ms, 1s, 2m); a bare number means seconds`,
      `${FILE}:5: unknown role 'boss': expected init, secondary, primary or watchdog`,
      `${FILE}:8: deadtime 100ms is too short for heartbeat_interval 200ms: expected more than twice the heartbeat interval (over 400ms)`,
      expect.stringMatching(new RegExp(`^${FILE}:9: unknown keyword 'colour'`)),
    ]);
  });
});

describe("HASTMON's address forms, where its grammar has them", () => {
  it('reads control as uds://, unix:// or a bare path, and friends and remote as tcp4://', () => {
    for (const control of ['uds:///var/run/hastmonctl', 'unix:///var/run/hastmonctl', '/var/run/hastmonctl']) {
      const config = parsed(`control ${control}\nfriends tcp4://127.0.0.1 tcp://lolek bolek\n${RESOURCE.replace('on a {', 'on a {\n    remote tcp4://127.0.0.1:9001')}`);
      expect(config.global.settings.control?.value).toBe('/var/run/hastmonctl');
      expect(config.global.settings.friends?.value).toEqual(['127.0.0.1', 'lolek', 'bolek']);
      expect(config.resources[0]?.nodes[0]?.settings.remote?.value).toEqual([{ text: 'tcp4://127.0.0.1:9001', host: '127.0.0.1', port: 9001 }]);
    }
  });

  it('refuses, at its line, a listen address the daemon could not bind and a remote with two ports', () => {
    expect(errorsOf(`listen localhost:9000\n${RESOURCE}`)).toEqual([
      `${FILE}:1: bad address 'localhost:9000' for listen: expected a numeric IP address such as 0.0.0.0:8458 or 127.0.0.1:8458, not a host name`,
    ]);
    expect(errorsOf(`listen 999.1.1.1:9000\n${RESOURCE}`)[0]).toMatch(new RegExp(`^${FILE}:1: bad address '999.1.1.1:9000' for listen: '999.1.1.1' is not an IPv4 address`));
    expect(errorsOf(`on a {\n  remote 127.0.0.1:7001:9\n}\n${RESOURCE}`)[0]).toMatch(new RegExp(`^${FILE}:2: bad address '127.0.0.1:7001:9' for remote`));
  });
});

describe('http, the read-only listener', () => {
  const inNode = (line: string): string => `on a {\n  ${line}\n}\n${RESOURCE}`;

  it('takes a numeric IPv4 address or an IPv6 one in brackets, with a port', () => {
    expect(parsed(inNode('http 127.0.0.1:9458')).nodes[0]?.settings.http?.value).toEqual({ text: '127.0.0.1:9458', host: '127.0.0.1', port: 9458 });
    expect(parsed(inNode('http [::1]:9458')).nodes[0]?.settings.http?.value).toEqual({ text: '[::1]:9458', host: '::1', port: 9458 });
  });

  it.for([
    ['http localhost:9458', "bad address 'localhost:9458' for http: 'localhost' is not a numeric IPv4 address (an IPv6 address goes in brackets)"],
    ['http 127.0.0.1', "bad address '127.0.0.1' for http: expected ADDRESS:PORT"],
    ['http ::1:9458', "bad address '::1:9458' for http: expected ADDRESS:PORT"],
    ['http [127.0.0.1]:9458', "bad address '[127.0.0.1]:9458' for http: '127.0.0.1' is not an IPv6 address"],
    ['http http://127.0.0.1:9458', "bad address 'http://127.0.0.1:9458' for http: no scheme is taken"],
    ['http 127.0.0.1:0', "bad number '0' for the port of http: expected a whole number from 1 to 65535"],
    ['http 127.0.0.1:9458 [::1]:9458', "http takes one argument (an address and port (127.0.0.1:9458 or [::1]:9458)), found 2: '127.0.0.1:9458 [::1]:9458'"],
  ] as const)('refuses %s at its line', ([line, message]) => {
    const [error] = errorsOf(inNode(line));
    expect(error?.startsWith(`${FILE}:2: ${message}`)).toBe(true);
  });

  it("belongs in a node's top-level on section only", () => {
    expect(errorsOf(`http 127.0.0.1:9458\n${RESOURCE}`)[0]).toMatch(new RegExp(`^${FILE}:1: .*'http'.*`));
    expect(errorsOf(RESOURCE.replace('on a {', 'on a {\n    http 127.0.0.1:9458'))[0]).toMatch(new RegExp(`^${FILE}:4: .*'http'`));
  });
});

