import { describe, expect, it } from 'vitest';
import { RESOURCE_STATES, SCRIPT_ACTIONS, type ResourceView } from '../core/types.js';
import { parseExposition, valueOf } from '../testing/exposition-parser.js';
import { DROP_REASONS } from '../wire/drop-counters.js';
import { escapeLabelValue, ExpositionWriter, formatValue } from './exposition.js';
import { renderMetrics, type MetricsSnapshot } from './metrics.js';
import { SCRIPT_DURATION_BUCKETS_SECONDS, SCRIPT_OUTCOMES, ScriptMetrics, outcomeOf } from './script-metrics.js';

const view = (name: string, extra: Partial<ResourceView> = {}): ResourceView => ({
  name,
  state: 'RUNNING',
  role: 'primary',
  priority: 0,
  attempts: 0,
  maxAttempts: 5,
  holder: 'lolek',
  vote: 'lolek',
  quorum: 2,
  voters: 3,
  endorsements: 3,
  quorate: true,
  timesHeld: 2,
  reason: 'running here',
  complaints: 0,
  forced: false,
  offlineMs: 0,
  peers: [],
  etcd: null,
  ...extra,
});

function snapshot(scripts = new ScriptMetrics()): MetricsSnapshot {
  return {
    node: 'lolek',
    version: '0.1.0',
    wireVersion: 2,
    startTimeSeconds: 1_700_000_000,
    resources: [
      { view: view('daemon'), members: ['lolek', 'bolek', 'reksio'] },
      { view: view('odd "name"\\x', { state: 'STANDBY', holder: 'bolek', quorate: false, endorsements: 1, timesHeld: 0 }), members: ['lolek', 'bolek'] },
    ],
    peers: [
      { node: 'bolek', heardAgoSeconds: 0.25 },
      { node: 'reksio', heardAgoSeconds: null },
    ],
    channels: [{ index: 0, kind: 'unicast', address: '127.0.0.1:9001', sent: 10, sendErrors: 1, received: 8, accepted: 7 }],
    drops: DROP_REASONS.map((reason, i) => ({ reason, count: i })),
    scripts,
    loopDelay: { p99: 0.002, max: 0.015 },
    etcd: null,
  };
}

describe('the exposition writer', () => {
  it('escapes label values and writes the special floats as the format spells them', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect([Infinity, -Infinity, NaN, 0.5, 3].map(formatValue)).toEqual(['+Inf', '-Inf', 'NaN', '0.5', '3']);
    const text = new ExpositionWriter().family('x_total', 'counter', 'a\\b\nc').sample('x_total', { l: 'v"' }, 1).text();
    expect(text).toBe('# HELP x_total a\\\\b\\nc\n# TYPE x_total counter\nx_total{l="v\\""} 1\n');
  });
});

describe('the strict parser refuses what the format forbids', () => {
  it.for([
    ['a sample without HELP and TYPE', 'x 1\n'],
    ['a TYPE that does not exist', '# HELP x h\n# TYPE x thing\nx 1\n'],
    ['a counter not named _total', '# HELP x h\n# TYPE x counter\nx 1\n'],
    ['a duplicate series', '# HELP x h\n# TYPE x gauge\nx{a="1"} 1\nx{a="1"} 2\n'],
    ['a bad label name', '# HELP x h\n# TYPE x gauge\nx{1a="1"} 1\n'],
    ['a bad escape', '# HELP x h\n# TYPE x gauge\nx{a="\\t"} 1\n'],
    ['an unquoted label value', '# HELP x h\n# TYPE x gauge\nx{a=1} 1\n'],
    ['a family split in two', '# HELP x h\n# TYPE x gauge\nx 1\n# HELP y h\n# TYPE y gauge\ny 1\nx{a="b"} 1\n'],
    ['buckets not cumulative', '# HELP h h\n# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'],
    ['+Inf not equal to _count', '# HELP h h\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 2\n'],
    ['no +Inf bucket', '# HELP h h\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n'],
    ['a missing final line feed', '# HELP x h\n# TYPE x gauge\nx 1'],
    ['a bad value', '# HELP x h\n# TYPE x gauge\nx one\n'],
  ] as const)('%s', ([, text]) => {
    expect(() => parseExposition(text)).toThrow();
  });
});

describe('renderMetrics', () => {
  it('passes the strict parser, every family prefixed hastmon_', () => {
    const families = parseExposition(renderMetrics(snapshot()));
    expect(families.length).toBeGreaterThan(15);
    for (const f of families) expect(f.name.startsWith('hastmon_')).toBe(true);
  });

  it('shows each state as one series per possible state, exactly one of them 1', () => {
    const families = parseExposition(renderMetrics(snapshot()));
    const states = families.find((f) => f.name === 'hastmon_resource_state')?.samples ?? [];
    for (const resource of ['daemon', 'odd "name"\\x']) {
      const own = states.filter((s) => s.labels['resource'] === resource);
      expect(own.map((s) => s.labels['state'])).toEqual([...RESOURCE_STATES]);
      expect(own.filter((s) => s.value === 1).map((s) => s.labels['state'])).toEqual([resource === 'daemon' ? 'RUNNING' : 'STANDBY']);
    }
  });

  it('names the holder among the members, and gives quorum, endorsements and holds', () => {
    const f = parseExposition(renderMetrics(snapshot()));
    expect(['lolek', 'bolek', 'reksio'].map((node) => valueOf(f, 'hastmon_resource_holder', { resource: 'daemon', node }))).toEqual([1, 0, 0]);
    expect(['lolek', 'bolek'].map((node) => valueOf(f, 'hastmon_resource_holder', { resource: 'odd "name"\\x', node }))).toEqual([0, 1]);
    expect(valueOf(f, 'hastmon_resource_quorate', { resource: 'daemon' })).toBe(1);
    expect(valueOf(f, 'hastmon_resource_quorate', { resource: 'odd "name"\\x' })).toBe(0);
    expect(valueOf(f, 'hastmon_resource_endorsements', { resource: 'daemon' })).toBe(3);
    expect(valueOf(f, 'hastmon_resource_quorum_size', { resource: 'daemon' })).toBe(2);
    expect(valueOf(f, 'hastmon_resource_became_holder_total', { resource: 'daemon' })).toBe(2);
  });

  it('shows a never-heard peer as +Inf, every drop reason from the start, and the channel counts', () => {
    const f = parseExposition(renderMetrics(snapshot()));
    expect(valueOf(f, 'hastmon_peer_last_heard_seconds', { peer: 'bolek' })).toBe(0.25);
    expect(valueOf(f, 'hastmon_peer_last_heard_seconds', { peer: 'reksio' })).toBe(Infinity);
    expect(DROP_REASONS.map((reason) => valueOf(f, 'hastmon_datagrams_dropped_total', { reason }))).toEqual(DROP_REASONS.map((_, i) => i));
    const channel = { channel: '0', kind: 'unicast' };
    expect(valueOf(f, 'hastmon_heartbeats_sent_total', channel)).toBe(10);
    expect(valueOf(f, 'hastmon_heartbeat_send_errors_total', channel)).toBe(1);
    expect(valueOf(f, 'hastmon_datagrams_received_total', channel)).toBe(8);
    expect(valueOf(f, 'hastmon_heartbeats_received_total', channel)).toBe(7);
    expect(valueOf(f, 'hastmon_channel_info', { ...channel, address: '127.0.0.1:9001' })).toBe(1);
    expect(valueOf(f, 'hastmon_event_loop_delay_max_seconds')).toBe(0.015);
  });

  it('counts script runs by outcome, with a cumulative duration histogram', () => {
    const scripts = new ScriptMetrics();
    scripts.started(1, 'daemon', 'start', 1_000);
    scripts.ended(1, 'ok', 1_300); // 0.3 s
    scripts.started(2, 'daemon', 'monitor', 2_000);
    scripts.exited(2, { code: 1, timedOut: false }, false, 2_005);
    scripts.started(4, 'daemon', 'monitor', 2_500);
    scripts.exited(4, { code: 3, timedOut: false }, false, 2_510);
    scripts.started(3, 'daemon', 'start', 3_000);
    scripts.ended(3, 'killed', 3_000 + 200_000); // beyond the last bucket
    scripts.ended(3, 'ok', 400_000); // ended twice (killed, then its exit): counted once
    const f = parseExposition(renderMetrics(snapshot(scripts)));
    const runs = (action: string, outcome: string): number | undefined => valueOf(f, 'hastmon_script_runs_total', { resource: 'daemon', action, outcome });
    expect([runs('start', 'ok'), runs('start', 'killed'), runs('monitor', 'stopped'), runs('monitor', 'failed'), runs('stop', 'ok')]).toEqual([1, 1, 1, 1, 0]);
    const bucket = (le: string): number | undefined => valueOf(f, 'hastmon_script_duration_seconds_bucket', { resource: 'daemon', action: 'start', le });
    expect([bucket('0.25'), bucket('0.5'), bucket('120'), bucket('+Inf')]).toEqual([0, 1, 1, 2]);
    expect(valueOf(f, 'hastmon_script_duration_seconds_sum', { resource: 'daemon', action: 'start' })).toBeCloseTo(200.3);
    expect(valueOf(f, 'hastmon_script_duration_seconds_count', { resource: 'daemon', action: 'monitor' })).toBe(2);
    const series = f.find((x) => x.name === 'hastmon_script_runs_total')?.samples ?? [];
    expect(series).toHaveLength(2 * SCRIPT_ACTIONS.length * SCRIPT_OUTCOMES.length);
    const buckets = f.find((x) => x.name === 'hastmon_script_duration_seconds')?.samples.filter((s) => s.name.endsWith('_bucket')) ?? [];
    expect(buckets).toHaveLength(2 * SCRIPT_ACTIONS.length * (SCRIPT_DURATION_BUCKETS_SECONDS.length + 1));
  });

  it("shows etcd's connection, one claim series per possible claim, and the requests by outcome, only with etcd", () => {
    expect(parseExposition(renderMetrics(snapshot())).some((f) => f.name.startsWith('hastmon_etcd_'))).toBe(false);
    const base = snapshot();
    const withEtcd: MetricsSnapshot = {
      ...base,
      resources: [
        { view: view('daemon', { etcd: { claim: 'ours', owner: 'lolek', countsForMs: 1_500 } }), members: ['lolek', 'bolek'] },
        { view: view('web', { etcd: { claim: 'theirs', owner: 'bolek', countsForMs: 0 } }), members: ['lolek', 'bolek'] },
      ],
      etcd: { connected: true, requests: { ok: 12, refused: 1, failed: 3 } },
    };
    const f = parseExposition(renderMetrics(withEtcd));
    expect(valueOf(f, 'hastmon_etcd_connected')).toBe(1);
    const claims = f.find((x) => x.name === 'hastmon_etcd_claim')?.samples ?? [];
    expect(claims.filter((c) => c.labels['resource'] === 'daemon').map((c) => c.labels['claim'])).toEqual(['ours', 'theirs', 'free', 'unreachable', 'unknown']);
    expect(claims.filter((c) => c.value === 1).map((c) => [c.labels['resource'], c.labels['claim']])).toEqual([['daemon', 'ours'], ['web', 'theirs']]);
    expect(valueOf(f, 'hastmon_etcd_endorsement_remaining_seconds', { resource: 'daemon' })).toBe(1.5);
    expect(['ok', 'refused', 'failed'].map((outcome) => valueOf(f, 'hastmon_etcd_requests_total', { outcome }))).toEqual([12, 1, 3]);
    const lost = parseExposition(renderMetrics({ ...withEtcd, etcd: { connected: null, requests: { ok: 0, refused: 0, failed: 0 } } }));
    expect(valueOf(lost, 'hastmon_etcd_connected')).toBe(0);
  });

  it('tells the outcomes apart', () => {
    expect(outcomeOf('start', { code: 0, timedOut: false }, false)).toBe('ok');
    expect(outcomeOf('start', { code: 2, timedOut: false }, false)).toBe('failed');
    expect(outcomeOf('start', { code: null, timedOut: false }, true)).toBe('failed');
    expect(outcomeOf('start', { code: null, timedOut: false }, false)).toBe('killed');
    expect(outcomeOf('start', { code: null, timedOut: true }, false)).toBe('timeout');
    // Exit 1 is "not running here" for a status check only; a start or stop that exits 1 failed.
    expect(outcomeOf('probe', { code: 1, timedOut: false }, false)).toBe('stopped');
    expect(outcomeOf('monitor', { code: 1, timedOut: false }, false)).toBe('stopped');
    expect(outcomeOf('start', { code: 1, timedOut: false }, false)).toBe('failed');
    expect(outcomeOf('stop', { code: 1, timedOut: false }, false)).toBe('failed');
  });
});
