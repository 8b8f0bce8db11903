// The pure core's cost per input, without sockets, timers or files: what the daemon pays in
// NodeCore.stepAll and NodeCore.nextWakeAt for each heartbeat it hears, and what decoding one
// heartbeat costs.
//
// A cluster (3 nodes with 1 resource: two service nodes and a watchdog; 16 nodes with 32 resources:
// every node a service node of every resource, the preferred node rotating as in bench/scale.ts)
// runs in the test harness at the default timing until every resource has a holder, then for
// --seconds more. Every input each node's core received is recorded, then replayed into fresh
// cores in a tight loop, each step followed by nextWakeAt as the daemon's loop does; only the
// steady part after the settling is timed. With --before DIR, the core of another tree (its
// src/core/node.ts) replays the same inputs in the same process, rounds alternating, so both face
// the same machine load. The replayed cores must send as many heartbeats as the recorded ones did.
//
// Figures:
//   us/heartbeat  the steady part's time in step and nextWakeAt (every input: heartbeats heard,
//                 ticks, script results), divided by the heartbeats heard: the core's cost per
//                 datagram received, the median of the rounds
//   decode us     decodeHeartbeat of one heartbeat that node sent (src/wire/decode.ts)
// The 3-node cluster runs 20 times --seconds, to hear enough heartbeats.
//
// Usage: tsx bench/core-step.ts [--seconds 10] [--rounds 5] [--before DIR] [--only small|large]
import { performance } from 'node:perf_hooks';
import { join, resolve } from 'node:path';
import { DEFAULT_TIMING } from '../src/config/timing.js';
import { DEFAULT_MONITOR_INTERVAL_MS } from '../src/config/defaults.js';
import { NodeCore } from '../src/core/node.js';
import type { CoreConfig, Heartbeat, Input, MemberSpec, NodeView } from '../src/core/types.js';
import { Harness } from '../src/testing/harness.js';
import { quickResourceSpec } from '../src/testing/fixtures.js';
import { encodeHeartbeat } from '../src/wire/encode.js';
import { decodeHeartbeat } from '../src/wire/decode.js';
import { argument } from './proc-sample.js';

/** Simulated time after every resource has a holder, before the timed part: settling is not the steady state. */
const WARM_UP_MS = 5_000;
const SETTLE_LIMIT_MS = 120_000;
const DECODE_REPEATS = 20_000;
/** 3 nodes hear 1/40 of the heartbeats 16 do: a longer run gives them a comparable sample. */
const SMALL_CLUSTER_SCALE = 20;

interface Shape {
  label: string;
  configs: CoreConfig[];
  /** The timed part lasts --seconds times this: the small cluster hears few heartbeats a second. */
  scale: number;
}

interface Recorded {
  now: number;
  input: Input;
}

interface NodeRecord {
  config: CoreConfig;
  start: { now: number; incarnation: number };
  steps: Recorded[];
  /** Index of the first step of the timed part. */
  steadyFrom: number;
  /** Heartbeats the node sent in the timed part. */
  sentSteady: number;
  /** Heartbeats it heard in the timed part. */
  heardSteady: number;
  /** One heartbeat it sent, for the decoder. */
  sample: Heartbeat | undefined;
}

/** What the benchmark needs of a core; both trees' NodeCore fit. */
interface CoreLike {
  step(now: number, input: Input): ReadonlyArray<{ kind: string }>;
  nextWakeAt(): number;
  view(now: number): NodeView;
}
type CoreClass = new (config: CoreConfig, start: { now: number; incarnation: number }) => CoreLike;
type Decode = (datagram: Buffer, key: Buffer | null) => { ok: boolean };

function shapes(): Shape[] {
  const three: MemberSpec[] = [
    { node: 'lolek', priority: 0, roleOnStart: 'secondary' },
    { node: 'bolek', priority: 1, roleOnStart: 'secondary' },
    { node: 'reksio', priority: 100, roleOnStart: 'watchdog' },
  ];
  const small = three.map((m) => config(m.node, [quickResourceSpec('daemon', three, { monitorInterval: DEFAULT_MONITOR_INTERVAL_MS })]));
  const nodes = Array.from({ length: 16 }, (_, i) => `n${String(i).padStart(2, '0')}`);
  const resources = Array.from({ length: 32 }, (_, r) =>
    quickResourceSpec(
      `r${String(r).padStart(2, '0')}`,
      nodes.map((node, i) => ({ node, priority: (i - r + nodes.length * 32) % nodes.length, roleOnStart: 'secondary' as const })),
      { monitorInterval: DEFAULT_MONITOR_INTERVAL_MS },
    ),
  );
  return [
    { label: '3 nodes x 1 resource', configs: small, scale: SMALL_CLUSTER_SCALE },
    { label: '16 nodes x 32 resources', configs: nodes.map((node) => config(node, resources)), scale: 1 },
  ];
}

function config(node: string, resources: CoreConfig['resources']): CoreConfig {
  return { node, timing: DEFAULT_TIMING, resources, forceStart: false, etcd: null };
}

/** Runs the shape in the harness and records each node's inputs. */
function record(shape: Shape, seconds: number): NodeRecord[] {
  const records = new Map<string, NodeRecord>();
  let steady = false;
  const harness = new Harness([], (cfg, start) => {
    const core = new NodeCore(cfg, start);
    const rec: NodeRecord = { config: structuredClone(cfg), start, steps: [], steadyFrom: 0, sentSteady: 0, heardSteady: 0, sample: undefined };
    records.set(cfg.node, rec);
    return {
      step(now, input) {
        rec.steps.push({ now, input: structuredClone(input) });
        const effects = core.step(now, input);
        if (steady) {
          if (input.kind === 'heartbeat') rec.heardSteady++;
          for (const e of effects) {
            if (e.kind !== 'send') continue;
            rec.sentSteady++;
            rec.sample = e.heartbeat;
          }
        }
        return effects;
      },
      reconfigure: () => {
        throw new Error('no reload in this benchmark');
      },
      nextWakeAt: () => core.nextWakeAt(),
      view: (now) => core.view(now),
    };
  });
  for (const c of shape.configs) harness.addNode(c);
  const names = shape.configs.map((c) => c.node);
  const resources = shape.configs[0]?.resources.map((r) => r.name) ?? [];
  harness.until(
    () => resources.every((res) => names.some((n) => harness.views(n)?.find((v) => v.name === res)?.state === 'RUNNING')),
    SETTLE_LIMIT_MS,
    `${shape.label}: every resource running`,
  );
  harness.advance(WARM_UP_MS);
  steady = true;
  for (const rec of records.values()) rec.steadyFrom = rec.steps.length;
  harness.advance(seconds * 1000);
  return [...records.values()];
}

/** One replay of every node: nanoseconds spent in the timed part. */
function replay(Core: CoreClass, records: readonly NodeRecord[]): number {
  let spent = 0;
  for (const rec of records) {
    const core = new Core(structuredClone(rec.config), rec.start);
    const steps = rec.steps;
    for (let i = 0; i < rec.steadyFrom; i++) {
      const s = steps[i] as Recorded;
      core.step(s.now, s.input);
      core.nextWakeAt();
    }
    let sent = 0;
    const began = performance.now();
    for (let i = rec.steadyFrom; i < steps.length; i++) {
      const s = steps[i] as Recorded;
      const effects = core.step(s.now, s.input);
      for (const e of effects) if (e.kind === 'send') sent++;
      core.nextWakeAt();
    }
    spent += (performance.now() - began) * 1e6;
    if (sent !== rec.sentSteady) throw new Error(`${rec.config.node}: the replay sent ${sent} heartbeats, the recording ${rec.sentSteady}: not the same behaviour`);
  }
  return spent;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function decodeMicros(decode: Decode, heartbeat: Heartbeat): number {
  const datagram = Buffer.from(encodeHeartbeat(heartbeat, null));
  if (!decode(datagram, null).ok) throw new Error('the sample heartbeat does not decode');
  const began = performance.now();
  for (let i = 0; i < DECODE_REPEATS; i++) decode(datagram, null);
  return ((performance.now() - began) * 1000) / DECODE_REPEATS;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const seconds = Number(argument(argv, '--seconds') ?? 10);
  const rounds = Number(argument(argv, '--rounds') ?? 5);
  if (!Number.isFinite(seconds) || seconds < 1 || seconds > 600) throw new Error('--seconds expects 1 to 600');
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 100) throw new Error('--rounds expects 1 to 100');
  const beforeDir = argument(argv, '--before');
  const builds: Array<{ name: string; Core: CoreClass; decode: Decode }> = [{ name: 'this tree', Core: NodeCore, decode: decodeHeartbeat }];
  if (beforeDir !== undefined) {
    const root = resolve(beforeDir);
    const core = (await import(join(root, 'src', 'core', 'node.ts'))) as { NodeCore: CoreClass };
    const wire = (await import(join(root, 'src', 'wire', 'decode.ts'))) as { decodeHeartbeat: Decode };
    builds.unshift({ name: `before (${root})`, Core: core.NodeCore, decode: wire.decodeHeartbeat });
  }
  process.stdout.write(`core cost per heartbeat heard, ${seconds} s of steady state (3 nodes: ${seconds * SMALL_CLUSTER_SCALE} s) at the default timing (${DEFAULT_TIMING.heartbeatInterval} ms), median of ${rounds} rounds\n`);
  const only = argument(argv, '--only');
  if (only !== undefined && only !== 'small' && only !== 'large') throw new Error('--only expects small (3 x 1) or large (16 x 32)');
  for (const shape of shapes().filter((_, i) => only === undefined || only === (i === 0 ? 'small' : 'large'))) {
    const records = record(shape, seconds * shape.scale);
    const heard = records.reduce((n, r) => n + r.heardSteady, 0);
    const sample = records.map((r) => r.sample).find((s) => s !== undefined);
    if (sample === undefined || heard === 0) throw new Error(`${shape.label}: nothing was sent in the steady state`);
    const times = builds.map(() => [] as number[]);
    for (let round = 0; round < rounds; round++) builds.forEach((b, i) => times[i]?.push(replay(b.Core, records)));
    process.stdout.write(`${shape.label}: ${heard} heartbeats heard by ${records.length} cores\n`);
    builds.forEach((b, i) => {
      const perHeartbeat = median(times[i] ?? []) / heard / 1000;
      const decode = decodeMicros(b.decode, sample);
      process.stdout.write(`  ${b.name.padEnd(12)} ${perHeartbeat.toFixed(2).padStart(8)} us/heartbeat   decode ${decode.toFixed(2).padStart(6)} us (${sample.resources.length} resources, ${sample.echoes.length} echoes)\n`);
    });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`core-step: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
