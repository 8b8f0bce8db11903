// /metrics: the daemon's state and counters in Prometheus' text format, rendered only when scraped.
// Every family has the `hastmon_` prefix and its unit in its name; label values never change for a
// series' life: a state is one series per possible state, a holder one series per member node.
import { RESOURCE_STATES, type ResourceView } from '../core/types.js';
import { ETCD_CLAIMS } from '../io/control-protocol.js';
import { ETCD_REQUEST_OUTCOMES, type EtcdRequestOutcome } from '../io/etcd/etcd-client.js';
import { ExpositionWriter } from './exposition.js';
import type { LoopDelaySeconds } from './loop-delay.js';
import { SCRIPT_DURATION_BUCKETS_SECONDS, SCRIPT_OUTCOMES, type ScriptMetrics } from './script-metrics.js';

export interface ChannelMetrics {
  /** Index in the configuration, as the daemon's log names channels. */
  index: number;
  kind: 'multicast' | 'broadcast' | 'unicast';
  /** `group:port`, `address:port`, or the listen address for unicast. */
  address: string;
  sent: number;
  sendErrors: number;
  received: number;
  /** Heartbeats that passed every check (authentication, replay, peer, friends). */
  accepted: number;
}

export interface MetricsSnapshot {
  node: string;
  version: string;
  wireVersion: number;
  /** Wall-clock seconds since the epoch when the daemon started. */
  startTimeSeconds: number;
  /** Each resource as this node sees it, with its configured member nodes (for the holder series). */
  resources: ReadonlyArray<{ view: ResourceView; members: readonly string[] }>;
  /** Each peer: seconds since last heard, null if never. */
  peers: ReadonlyArray<{ node: string; heardAgoSeconds: number | null }>;
  channels: readonly ChannelMetrics[];
  /** Every drop reason, zeros included. */
  drops: ReadonlyArray<{ reason: string; count: number }>;
  scripts: ScriptMetrics;
  /** Null when no monitor runs. */
  loopDelay: LoopDelaySeconds | null;
  /** The etcd connection, null without an `etcd` section (each key's claim is in the resource views). */
  etcd: { connected: boolean | null; requests: Readonly<Record<EtcdRequestOutcome, number>> } | null;
}

export function renderMetrics(s: MetricsSnapshot): string {
  const w = new ExpositionWriter();
  const bool = (b: boolean): number => (b ? 1 : 0);

  w.family('hastmon_build_info', 'gauge', 'Always 1: the version of hastmon, of its heartbeat format and of Node running it.');
  w.sample('hastmon_build_info', { version: s.version, wire_version: String(s.wireVersion), nodejs: process.version, node: s.node }, 1);
  w.family('hastmon_process_start_time_seconds', 'gauge', 'When the daemon started, in seconds since the Unix epoch.');
  w.sample('hastmon_process_start_time_seconds', {}, s.startTimeSeconds);

  w.family('hastmon_resource_quorate', 'gauge', '1 when this node and the voters it hears both ways make a quorum of the resource, else 0.');
  for (const { view } of s.resources) w.sample('hastmon_resource_quorate', { resource: view.name }, bool(view.quorate));
  w.family('hastmon_resource_state', 'gauge', "The resource's state on this node: 1 for the current state, 0 for every other.");
  for (const { view } of s.resources) {
    for (const state of RESOURCE_STATES) w.sample('hastmon_resource_state', { resource: view.name, state }, bool(view.state === state));
  }
  w.family('hastmon_resource_holder', 'gauge', 'Per member node of the resource: 1 for the node this node sees holding it (starting, running or stopping), else 0.');
  for (const { view, members } of s.resources) {
    for (const node of members) w.sample('hastmon_resource_holder', { resource: view.name, node }, bool(view.holder === node));
  }
  w.family('hastmon_resource_endorsements', 'gauge', "Valid endorsements of this node for the resource now, its own vote included.");
  for (const { view } of s.resources) w.sample('hastmon_resource_endorsements', { resource: view.name }, view.endorsements);
  w.family('hastmon_resource_quorum_size', 'gauge', 'Valid endorsements a node needs to start or keep the resource.');
  for (const { view } of s.resources) w.sample('hastmon_resource_quorum_size', { resource: view.name }, view.quorum);
  w.family('hastmon_resource_voters', 'gauge', 'Voters of the resource: its service nodes and watchdogs.');
  for (const { view } of s.resources) w.sample('hastmon_resource_voters', { resource: view.name }, view.voters);
  w.family('hastmon_resource_became_holder_total', 'counter', 'Times this node began holding the resource (started it, or adopted a copy found running) since the daemon started.');
  for (const { view } of s.resources) w.sample('hastmon_resource_became_holder_total', { resource: view.name }, view.timesHeld);

  w.family('hastmon_peer_last_heard_seconds', 'gauge', 'Seconds since a valid heartbeat was last heard from the peer; +Inf if never since this daemon started.');
  for (const p of s.peers) w.sample('hastmon_peer_last_heard_seconds', { peer: p.node }, p.heardAgoSeconds ?? Infinity);

  const channel = (c: ChannelMetrics): Record<string, string> => ({ channel: String(c.index), kind: c.kind });
  w.family('hastmon_channel_info', 'gauge', 'Always 1: the address of each heartbeat channel.');
  for (const c of s.channels) w.sample('hastmon_channel_info', { ...channel(c), address: c.address }, 1);
  w.family('hastmon_heartbeats_sent_total', 'counter', 'Heartbeat datagrams the kernel accepted on the channel, one per destination.');
  for (const c of s.channels) w.sample('hastmon_heartbeats_sent_total', channel(c), c.sent);
  w.family('hastmon_heartbeat_send_errors_total', 'counter', 'Heartbeat datagrams the channel could not send.');
  for (const c of s.channels) w.sample('hastmon_heartbeat_send_errors_total', channel(c), c.sendErrors);
  w.family('hastmon_datagrams_received_total', 'counter', 'Datagrams received on the channel, before any check.');
  for (const c of s.channels) w.sample('hastmon_datagrams_received_total', channel(c), c.received);
  w.family('hastmon_heartbeats_received_total', 'counter', "Heartbeats received on the channel that passed every check and reached the node's state.");
  for (const c of s.channels) w.sample('hastmon_heartbeats_received_total', channel(c), c.accepted);
  w.family('hastmon_datagrams_dropped_total', 'counter', 'Received datagrams dropped, by reason (see hastmon.conf(5)).');
  for (const d of s.drops) w.sample('hastmon_datagrams_dropped_total', { reason: d.reason }, d.count);

  const scripts = s.scripts.read(s.resources.map((r) => r.view.name));
  w.family('hastmon_script_runs_total', 'counter', 'Script runs that ended, by resource, action and outcome (ok: exit 0; failed: other exit or not started; timeout; killed: by a signal).');
  for (const { resource, action, series } of scripts) {
    for (const outcome of SCRIPT_OUTCOMES) w.sample('hastmon_script_runs_total', { resource, action, outcome }, series.runs[outcome]);
  }
  w.family('hastmon_script_duration_seconds', 'histogram', 'How long script runs took, from start to end, by resource and action.');
  for (const { resource, action, series } of scripts) {
    w.histogram('hastmon_script_duration_seconds', { resource, action }, SCRIPT_DURATION_BUCKETS_SECONDS, series.buckets, series.sumSeconds, series.count);
  }

  if (s.etcd !== null) {
    w.family('hastmon_etcd_connected', 'gauge', 'etcd as a voter: 1 when the last request to etcd was answered, else 0 (also before the first).');
    w.sample('hastmon_etcd_connected', {}, bool(s.etcd.connected === true));
    w.family('hastmon_etcd_claim', 'gauge', "What this node knows of the resource's etcd key: 1 for the current claim (ours, theirs, free, unreachable, unknown), 0 for every other.");
    for (const { view } of s.resources) {
      const claim = view.etcd?.claim ?? 'unknown';
      for (const c of ETCD_CLAIMS) w.sample('hastmon_etcd_claim', { resource: view.name, claim: c }, bool(claim === c));
    }
    w.family('hastmon_etcd_endorsement_remaining_seconds', 'gauge', "How much longer etcd's endorsement of this node counts for the resource; 0 unless the key is ours.");
    for (const { view } of s.resources) w.sample('hastmon_etcd_endorsement_remaining_seconds', { resource: view.name }, Math.max(0, view.etcd?.countsForMs ?? 0) / 1000);
    w.family('hastmon_etcd_requests_total', 'counter', 'Requests to single etcd endpoints, by outcome (ok; refused: an error of etcd; failed: no connection, no answer in time or no leader, tried on the next endpoint).');
    for (const outcome of ETCD_REQUEST_OUTCOMES) w.sample('hastmon_etcd_requests_total', { outcome }, s.etcd.requests[outcome]);
  }

  if (s.loopDelay !== null) {
    const source = 'measured by node:perf_hooks monitorEventLoopDelay, worst of the last 30 to 60 s';
    w.family('hastmon_event_loop_delay_p99_seconds', 'gauge', `99th percentile of how late the event loop ran, ${source}.`);
    w.sample('hastmon_event_loop_delay_p99_seconds', {}, s.loopDelay.p99);
    w.family('hastmon_event_loop_delay_max_seconds', 'gauge', `Longest the event loop ran late, ${source}.`);
    w.sample('hastmon_event_loop_delay_max_seconds', {}, s.loopDelay.max);
  }
  return w.text();
}
