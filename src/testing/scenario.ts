// The commands of the core's transcripts (src/core/testdata/*.txt), played on a Harness. Each
// command returns its output: what happened meanwhile, then what the command itself shows.
//
// What happened is shown as `TIME NODE WHAT` (see harness.ts), leaving out what repeats without
// news: info log lines (peers heard, connected), a resource's first report of INITIAL, and monitor
// runs that find the resource running.
//
// Setting up
//   cluster NODE=SPEC... [OPTION...]   a new scenario at time 0, nobody booted yet. SPEC is a
//                                      priority (`lolek=0`), with a role_on_start after a colon
//                                      (`lolek=0:init`), or `watchdog`. Options: resources=A,B
//                                      (default daemon), attempts=N, monitor-fall=N, local-restarts=N, exec=yes,
//                                      script-timeout=DUR, failback=auto, fence=yes, lease=DUR,
//                                      timing=HB/DEAD/LEASE (as hastmon.conf would resolve it),
//                                      shutdown-grace=DUR, force-start=NODE (-m), etcd=yes (etcd
//                                      votes too; its TTL is the lease rounded up to seconds)
//   service-running NODE [RES]         the resource runs there without hastmon (a boot script)
//   script NODE|* ACTION [RES] RESULT  how that node's runs of ACTION go from now on. RESULT:
//                                      exit=N, hang, takes=DUR, `once` (the next run only),
//                                      or normal (10 ms; probe and monitor tell the truth)
// Time and the machines
//   boot NODE...|all                   hastmon starts (again) there
//   wait DUR                           time passes (DUR as in hastmon.conf: 500ms, 3s)
//   wait-until COND [within DUR]       time passes until COND holds, 10 s at most; COND is
//                                      `NODE [RES] STATE`, `NODE down` or `RES runs on NODE,...|nowhere`
//   crash NODE                         the machine dies, and what runs on it
//   kill NODE                          only hastmon dies (kill -9): its services run on
//   pause NODE / resume NODE           the process stops (SIGSTOP) and runs again (SIGCONT)
//   cut A B / cut A>B / isolate NODE / heal    links that deliver nothing (both ways, or one)
// The operator
//   signal NODE HUP|TERM|USR1|USR2     hastmon's signals (USR1: force start, USR2: clear)
//   ctl NODE role ROLE [RES...]        hastmonctl role; also `offline [DUR] [RES...]`, `clear [RES...]`
//   gateway NODE down|up               the ping target stops or starts answering
// etcd (the shell's news of a resource's key; a node's wish shows as `etcd-want RES yes|no`)
//   etcd NODE [RES] CLAIM              CLAIM: `ours` (a grant or keepalive just succeeded: counts
//                                      until now + TTL - guard on the node's clock), `keepalive`
//                                      (ours, renewed every TTL/3 while the node wishes to own the
//                                      key, until the next claim given for it), `theirs OWNER`
//                                      or `theirs OWNER#INCARNATION` (the owner's current one unless
//                                      given), `free` (a DELETE seen), `unreachable`
//   reload NODE...|all [NODE=SPEC...] [OPTION...]   hastmonctl reload with the cluster so changed
// Looking
//   view [NODE...]                     each node's view: state, role, priority, holder, vote,
//                                      attempts (once any), and why
//   running [RES...]                   where the resource really runs
//   check no-overlap                   it never ran on two nodes at once, and no start began sooner
//                                      than the guard after a holder began stopping (unless that
//                                      stop had already succeeded: then it is known to be down)
//
// A wait-until that times out and a failed check fail the test even when rewriting.

import { DEFAULT_PRIORITY, GUARD_FRACTION_OF_LEASE } from '../config/defaults.js';
import { DEFAULT_TIMING, resolveTiming } from '../config/timing.js';
import { parseDuration } from '../config/values.js';
import { quickResourceSpec } from './fixtures.js';
import { DEFAULT_SCRIPT_MS, Harness, defaultExit, formatTime, type ScriptResult } from './harness.js';
import { realCore } from '../sim/run-simulation.js';
import type { CoreFactory } from '../sim/sim-core.js';
import type { Command, CoreConfig, EtcdClaim, MemberSpec, ResourceSpec, ResourceState, Role, ScriptAction, Timing } from '../core/types.js';
import { etcdTtlMs } from '../core/quorum.js';
import { RESOURCE_STATES, ROLES, SCRIPT_ACTIONS } from '../core/types.js';

/** A broken expectation of the scenario itself (a check, a wait): never rewritten away. */
export class ScenarioFailure extends Error {}

const DEFAULT_WITHIN_MS = 10_000;
const QUIET_LINES = [/^\S+ \S+ info: /, /^\S+ \S+ \S+ is INITIAL$/, /^\S+ \S+ run monitor /, /^\S+ \S+ monitor \S+ exited 0$/];

interface ClusterSpec {
  members: MemberSpec[];
  resources: string[];
  overrides: Partial<ResourceSpec>;
  timing: Timing;
  forceStart: Set<string>;
  /** etcd votes too. */
  etcd: boolean;
}

interface ScriptRule {
  node: string;
  action: ScriptAction;
  resource: string | null;
  /** null: back to normal. */
  result: Partial<ScriptResult> | null;
  once: boolean;
}

export class Scenario {
  private current: { harness: Harness; spec: ClusterSpec; overlaps: OverlapWatch } | null = null;
  private rules: ScriptRule[] = [];
  /** Trace lines already shown, and already read by the overlap watch. */
  private shown = 0;
  private watched = 0;

  constructor(private readonly factory: CoreFactory = realCore) {}

  /** Runs one command line; returns its output lines. */
  run(line: string): string[] {
    const [verb = '', ...args] = line.trim().split(/\s+/);
    if (verb === 'cluster') {
      this.newCluster(args);
      return [];
    }
    const own = this.command(verb, args);
    return [...this.happened(), ...own];
  }

  private get harness(): Harness {
    if (this.current === null) throw new Error('no cluster yet: begin with `cluster`');
    return this.current.harness;
  }

  private get spec(): ClusterSpec {
    if (this.current === null) throw new Error('no cluster yet: begin with `cluster`');
    return this.current.spec;
  }

  private command(verb: string, args: string[]): string[] {
    const h = this.harness;
    switch (verb) {
      case 'boot':
        for (const name of this.nodesOf(args)) h.boot(name);
        return [];
      case 'wait':
        h.advance(duration(one(args, 'wait DUR')));
        return [];
      case 'wait-until':
        return this.waitUntil(args);
      case 'crash':
        this.syncWatch();
        for (const name of args) {
          h.crash(name);
          this.current?.overlaps.crashed(name, h.now);
        }
        return [];
      case 'kill':
        for (const name of args) h.killDaemon(name);
        return [];
      case 'pause':
        for (const name of args) h.pause(name);
        return [];
      case 'resume':
        for (const name of args) h.resume(name);
        return [];
      case 'cut':
        return this.cut(args);
      case 'isolate':
        h.isolate(one(args, 'isolate NODE'));
        return [];
      case 'heal':
        h.heal();
        return [];
      case 'service-running': {
        const [name, resource = this.onlyResource()] = args;
        if (name === undefined) throw new Error('service-running NODE [RES]');
        h.startServiceOn(name, resource);
        this.syncWatch();
        return [];
      }
      case 'script':
        this.rules.push(parseRule(args));
        return [];
      case 'signal':
        return this.signal(args);
      case 'ctl':
        return this.ctl(args);
      case 'gateway': {
        const [name, how] = args;
        if (name === undefined || (how !== 'down' && how !== 'up')) throw new Error('gateway NODE down|up');
        h.gateway(name, how === 'up');
        return [];
      }
      case 'reload':
        return this.reload(args);
      case 'etcd':
        return this.etcd(args);
      case 'view':
        return this.view(args);
      case 'running':
        return (args.length > 0 ? args : this.spec.resources).map((r) => {
          const on = h.runningOn(r);
          return `${r} runs ${on.length === 0 ? 'nowhere' : `on ${on.join(' ')}`}`;
        });
      case 'check':
        if (args.join(' ') !== 'no-overlap') throw new Error(`unknown check: ${args.join(' ')}`);
        this.syncWatch();
        return this.current?.overlaps.report(this.spec.resources) ?? [];
      default:
        throw new Error(`unknown command: ${verb}`);
    }
  }

  private newCluster(args: string[]): void {
    const spec: ClusterSpec = { members: [], resources: ['daemon'], overrides: {}, timing: { ...DEFAULT_TIMING }, forceStart: new Set(), etcd: false };
    applyTokens(spec, args);
    if (spec.members.length === 0) throw new Error('cluster NODE=SPEC...: no nodes');
    const harness = new Harness([], this.factory);
    for (const m of spec.members) harness.addNode(configFor(spec, m.node), false);
    harness.scriptsBehave((node, resource, action) => this.scriptResult(node, resource, action));
    const overlaps = new OverlapWatch(spec.timing.guard);
    harness.watch(() => overlaps.look(harness, spec.resources));
    this.current = { harness, spec, overlaps };
    this.rules = [];
    this.shown = 0;
    this.watched = 0;
  }

  /** New trace lines worth showing. */
  private happened(): string[] {
    this.syncWatch();
    const lines = this.harness.trace.slice(this.shown);
    this.shown = this.harness.trace.length;
    return lines.filter((l) => !QUIET_LINES.some((quiet) => quiet.test(l)));
  }

  /** The overlap watch reads every start and stop, and looks at where the resources run now. */
  private syncWatch(): void {
    const h = this.harness;
    this.current?.overlaps.read(h.trace.slice(this.watched));
    this.watched = h.trace.length;
    this.current?.overlaps.look(h, this.spec.resources);
  }

  private waitUntil(args: string[]): string[] {
    const h = this.harness;
    let within = DEFAULT_WITHIN_MS;
    const at = args.indexOf('within');
    if (at >= 0) {
      within = duration(args[at + 1] ?? '');
      args = args.slice(0, at);
    }
    const { holds, what } = this.condition(args);
    let took: number;
    try {
      took = h.until(holds, within, what);
    } catch (error) {
      const shown = this.happened().slice(-40);
      throw new ScenarioFailure(`wait-until ${args.join(' ')}: not within ${within} ms\n${shown.join('\n')}`, { cause: error });
    }
    return [`${what} after ${formatTime(took)} ms`];
  }

  private condition(args: string[]): { holds: () => boolean; what: string } {
    const h = this.harness;
    if (args[1] === 'runs' && args[2] === 'on' && args.length === 4) {
      const [resource, , , list] = args as [string, string, string, string];
      const want = list === 'nowhere' ? '' : list.split(',').sort().join(' ');
      return { holds: () => [...h.runningOn(resource)].sort().join(' ') === want, what: `${resource} runs ${want === '' ? 'nowhere' : `on ${want}`}` };
    }
    if (args.length === 2 && args[1] === 'down') {
      const name = args[0] as string;
      return { holds: () => !h.isAlive(name), what: `${name} down` };
    }
    const [name, ...rest] = args;
    const [resource, state] = rest.length === 1 ? [this.onlyResource(), rest[0]] : rest;
    if (name === undefined || resource === undefined || !isState(state)) {
      throw new Error(`wait-until: expected NODE [RES] STATE, NODE down, or RES runs on NODE,...|nowhere; got ${args.join(' ')}`);
    }
    return {
      holds: () => h.views(name)?.find((r) => r.name === resource)?.state === state,
      what: `${name} ${resource} ${state}`,
    };
  }

  private cut(args: string[]): string[] {
    const h = this.harness;
    if (args.length === 1 && args[0]?.includes('>')) {
      const [from, to] = (args[0] as string).split('>');
      if (from === undefined || to === undefined) throw new Error('cut A>B');
      h.cutLink(from, to, false);
    } else if (args.length === 2) {
      h.cutLink(args[0] as string, args[1] as string);
    } else {
      throw new Error('cut A B (both ways) or cut A>B (one way)');
    }
    return [];
  }

  private signal(args: string[]): string[] {
    const [name, signal] = args;
    if (name === undefined) throw new Error('signal NODE HUP|TERM|USR1|USR2');
    const commands: Record<string, Command> = {
      HUP: { type: 'hup' },
      TERM: { type: 'term' },
      USR1: { type: 'force-start', resources: 'all' },
      USR2: { type: 'clear', resources: 'all' },
    };
    const command = commands[signal ?? ''];
    if (command === undefined) throw new Error(`signal ${name}: expected HUP, TERM, USR1 or USR2, got ${signal ?? 'nothing'}`);
    this.harness.command(name, command);
    return [];
  }

  private ctl(args: string[]): string[] {
    const [name, verb, ...rest] = args;
    if (name === undefined) throw new Error('ctl NODE role|offline|clear ...');
    const resources = (list: string[]): string[] | 'all' => (list.length === 0 ? 'all' : list);
    let command: Command;
    if (verb === 'role') {
      const [role, ...list] = rest;
      if (!ROLES.includes(role as Role)) throw new Error(`ctl ${name} role: expected one of ${ROLES.join(', ')}`);
      command = { type: 'role', role: role as Role, resources: resources(list) };
    } else if (verb === 'offline') {
      const timed = rest[0] !== undefined && /^\d/.test(rest[0]);
      const list = timed ? rest.slice(1) : rest;
      command = timed ? { type: 'offline', seconds: duration(rest[0] as string) / 1000, resources: resources(list) } : { type: 'offline', resources: resources(list) };
    } else if (verb === 'clear') {
      command = { type: 'clear', resources: resources(rest) };
    } else {
      throw new Error(`ctl ${name}: expected role, offline or clear, got ${verb ?? 'nothing'}`);
    }
    this.harness.command(name, command);
    return [];
  }

  private etcd(args: string[]): string[] {
    const usage = 'etcd NODE [RES] ours|keepalive|free|unreachable|theirs OWNER[#INCARNATION]';
    const [name, ...rest] = args;
    const claims = ['ours', 'keepalive', 'free', 'unreachable', 'theirs'];
    const resource = rest[0] !== undefined && !claims.includes(rest[0]) ? (rest.shift() as string) : this.onlyResource();
    const [status, owner] = rest;
    if (name === undefined || status === undefined) throw new Error(usage);
    const etcd = configFor(this.spec, name).etcd;
    if (etcd === null) throw new Error('etcd: the cluster has no etcd (cluster ... etcd=yes)');
    const h = this.harness;
    h.etcdKeepaliveEnds(name, resource);
    if (status === 'keepalive') {
      h.etcdKeepalive(name, resource, etcd.ttlMs - this.spec.timing.guard, etcd.ttlMs / 3);
      return [];
    }
    let claim: EtcdClaim;
    if (status === 'ours') claim = { status, countsUntil: h.localNow(name) + etcd.ttlMs - this.spec.timing.guard };
    else if (status === 'free' || status === 'unreachable') claim = { status };
    else if (status === 'theirs' && owner !== undefined) {
      const [node = '', incarnation] = owner.split('#');
      claim = { status, node, incarnation: incarnation === undefined ? h.incarnationOf(node) : Number(incarnation) };
    } else throw new Error(usage);
    h.etcdClaim(name, resource, claim);
    return [];
  }

  private reload(args: string[]): string[] {
    const [which, ...tokens] = args;
    if (which === undefined) throw new Error('reload NODE...|all [NODE=SPEC...] [OPTION...]');
    const spec = this.spec;
    applyTokens(spec, tokens);
    const out: string[] = [];
    for (const name of which === 'all' ? this.harness.nodeNames() : which.split(',')) {
      const refused = this.harness.reload(name, configFor(spec, name));
      if (refused !== undefined) out.push(`${name}: reload refused: ${refused}`);
    }
    return out;
  }

  private view(args: string[]): string[] {
    const h = this.harness;
    const out: string[] = [];
    for (const name of args.length > 0 ? args : h.nodeNames()) {
      const views = h.views(name);
      if (views === null) {
        out.push(`${name} down`);
        continue;
      }
      for (const r of views) {
        const attempts = r.attempts > 0 ? ` attempts=${r.attempts}/${r.maxAttempts}` : '';
        out.push(`${name} ${r.name} ${r.state} role=${r.role} priority=${r.priority} holder=${r.holder || '-'} vote=${r.vote || '-'}${attempts}: ${r.reason}`);
      }
    }
    return out;
  }

  private scriptResult(node: string, resource: string, action: ScriptAction): ScriptResult | undefined {
    for (let i = this.rules.length - 1; i >= 0; i--) {
      const rule = this.rules[i] as ScriptRule;
      if ((rule.node !== '*' && rule.node !== node) || rule.action !== action || (rule.resource !== null && rule.resource !== resource)) continue;
      if (rule.once) this.rules.splice(i, 1);
      if (rule.result === null) return undefined;
      return { ms: rule.result.ms ?? DEFAULT_SCRIPT_MS, exit: rule.result.exit ?? defaultExit(action) };
    }
    return undefined;
  }

  private nodesOf(args: string[]): string[] {
    return args.length === 1 && args[0] === 'all' ? this.harness.nodeNames() : args;
  }

  private onlyResource(): string {
    const [only, ...more] = this.spec.resources;
    if (only === undefined || more.length > 0) throw new Error(`name the resource: the cluster has ${this.spec.resources.join(', ')}`);
    return only;
  }
}

/**
 * What `check no-overlap` asks, as the simulator's safety checker does: the resource never really
 * ran on two nodes at once, and no start began sooner than the guard after the previous holder (a
 * node that had started it) began stopping, unless that stop had already exited 0.
 */
class OverlapWatch {
  /** Per resource: the first moment it ran on two nodes at once. */
  private readonly twice = new Map<string, string>();
  /** `node resource` holding since a start, until its stop or a crash. */
  private readonly holding = new Set<string>();
  /** Per resource: when the last holder began stopping, who, and whether that stop has succeeded. */
  private readonly lastStop = new Map<string, { node: string; at: number; clean: boolean }>();
  private readonly closest = new Map<string, number>();
  private readonly broken: string[] = [];

  constructor(private readonly guard: number) {}

  look(h: Harness, resources: readonly string[]): void {
    for (const r of resources) {
      const on = h.runningOn(r);
      if (on.length > 1 && !this.twice.has(r)) this.twice.set(r, `${r} ran on ${on.join(' and ')} at ${formatTime(h.now)} ms`);
    }
  }

  read(lines: readonly string[]): void {
    for (const line of lines) {
      const stopped = /^\S+ (\S+) stop (\S+) exited 0$/.exec(line);
      const last = stopped === null ? undefined : this.lastStop.get(stopped[2] as string);
      if (last !== undefined && last.node === stopped?.[1]) last.clean = true;
      const match = /^(\S+) (\S+) run (start|stop) (\S+)/.exec(line);
      if (match === null) continue;
      const [, time, node, action, resource] = match as unknown as [string, string, string, string, string];
      const at = Number(time);
      if (action === 'start') this.started(node, resource, at);
      else if (this.holding.delete(`${node} ${resource}`)) this.lastStop.set(resource, { node, at, clean: false });
    }
  }

  crashed(node: string, at: number): void {
    for (const key of [...this.holding]) {
      if (!key.startsWith(`${node} `)) continue;
      this.holding.delete(key);
      this.lastStop.set(key.slice(node.length + 1), { node, at, clean: false });
    }
  }

  report(resources: readonly string[]): string[] {
    const problems = [...this.broken, ...resources.flatMap((r) => (this.twice.has(r) ? [this.twice.get(r) as string] : []))];
    if (problems.length > 0) throw new ScenarioFailure(`check no-overlap failed:\n${problems.join('\n')}`);
    return resources.map((r) => {
      const closest = this.closest.get(r);
      if (closest === undefined) return `${r} never ran on two nodes at once; no hand-over`;
      return `${r} never ran on two nodes at once; closest hand-over: a start ${formatTime(closest)} ms after a stop began (guard ${this.guard} ms, unless the stop had succeeded)`;
    });
  }

  private started(node: string, resource: string, at: number): void {
    for (const key of this.holding) {
      const [other, r] = key.split(' ');
      if (r === resource && other !== node) this.broken.push(`${node} began starting ${resource} at ${formatTime(at)} ms while ${other} held it`);
    }
    const last = this.lastStop.get(resource);
    if (last !== undefined && last.node !== node) {
      const margin = at - last.at;
      this.closest.set(resource, Math.min(this.closest.get(resource) ?? Infinity, margin));
      if (margin < this.guard && !last.clean) this.broken.push(`${node} began starting ${resource} ${formatTime(margin)} ms after ${last.node} began stopping`);
    }
    this.holding.add(`${node} ${resource}`);
  }
}

function configFor(spec: ClusterSpec, node: string): CoreConfig {
  const members = spec.members.map((m) => ({ ...m }));
  return structuredClone({
    node,
    timing: spec.timing,
    resources: spec.resources.map((r) => quickResourceSpec(r, members, spec.overrides)),
    forceStart: spec.forceStart.has(node),
    etcd: spec.etcd ? { ttlMs: etcdTtlMs(spec.timing.lease) } : null,
  });
}

/** `NODE=SPEC` members (new, or changed) and `key=value` options, into the cluster's spec. */
function applyTokens(spec: ClusterSpec, tokens: readonly string[]): void {
  for (const token of tokens) {
    const [key = '', value = ''] = token.split('=', 2);
    if (value === '') throw new Error(`expected NODE=SPEC or OPTION=VALUE, got ${token}`);
    switch (key) {
      case 'resources':
        spec.resources = value.split(',');
        break;
      case 'attempts':
        spec.overrides.attempts = Number(value);
        break;
      case 'monitor-fall':
        spec.overrides.monitorFall = Number(value);
        break;
      case 'local-restarts':
        spec.overrides.localRestarts = Number(value);
        break;
      case 'exec':
        // One HASTMON exec script: it is also told of role changes, peers and complaints.
        spec.overrides.notify = value === 'yes';
        break;
      case 'script-timeout':
        spec.overrides.scriptTimeout = duration(value);
        break;
      case 'failback':
        if (value !== 'auto' && value !== 'manual') throw new Error(`failback=auto|manual, got ${value}`);
        spec.overrides.failback = value;
        break;
      case 'fence':
        spec.overrides.fence = value === 'yes';
        break;
      case 'lease':
        // The guard follows the lease, as the configuration derives it.
        spec.timing = { ...spec.timing, lease: duration(value), guard: Math.floor(duration(value) * GUARD_FRACTION_OF_LEASE) };
        break;
      case 'timing':
        spec.timing = { ...timingOf(value), shutdownGrace: spec.timing.shutdownGrace };
        break;
      case 'shutdown-grace':
        spec.timing = { ...spec.timing, shutdownGrace: duration(value) };
        break;
      case 'force-start':
        spec.forceStart = new Set(value.split(','));
        break;
      case 'etcd':
        spec.etcd = value === 'yes';
        break;
      default:
        setMember(spec, key, value);
    }
  }
}

function setMember(spec: ClusterSpec, node: string, value: string): void {
  let member: MemberSpec;
  if (value === 'watchdog') {
    member = { node, priority: DEFAULT_PRIORITY, roleOnStart: 'watchdog' };
  } else {
    const [priority = '', role = 'secondary'] = value.split(':');
    if (!/^\d+$/.test(priority) || !ROLES.includes(role as Role)) throw new Error(`${node}=${value}: expected PRIORITY[:ROLE] or watchdog`);
    member = { node, priority: Number(priority), roleOnStart: role as Role };
  }
  const at = spec.members.findIndex((m) => m.node === node);
  if (at >= 0) spec.members[at] = member;
  else spec.members.push(member);
}

function parseRule(args: string[]): ScriptRule {
  const [node, action, ...rest] = args;
  if (node === undefined || !SCRIPT_ACTIONS.includes(action as ScriptAction)) {
    throw new Error(`script NODE|* ACTION [RES] RESULT: ACTION is one of ${SCRIPT_ACTIONS.join(', ')}`);
  }
  const rule: ScriptRule = { node, action: action as ScriptAction, resource: null, result: {}, once: false };
  for (const token of rest) {
    if (token === 'normal') rule.result = null;
    else if (token === 'once') rule.once = true;
    else if (token === 'hang') rule.result = { ...rule.result, exit: 'hang' };
    else if (/^exit=\d+$/.test(token)) rule.result = { ...rule.result, exit: Number(token.slice(5)) };
    else if (token.startsWith('takes=')) rule.result = { ...rule.result, ms: duration(token.slice(6)) };
    else if (rule.resource === null && !token.includes('=')) rule.resource = token;
    else throw new Error(`script: unknown result ${token}`);
  }
  return rule;
}

/** `10ms/50ms/50ms`: heartbeat_interval, deadtime and lease, resolved and checked as hastmon.conf's are. */
function timingOf(text: string): Timing {
  const parts = text.split('/');
  if (parts.length !== 3) throw new Error(`timing=HB/DEAD/LEASE, got ${text}`);
  const [heartbeat = '', dead = '', lease = ''] = parts;
  const setting = (value: string) => ({ value: duration(value), line: 0 });
  const resolved = resolveTiming({ heartbeat_interval: setting(heartbeat), deadtime: setting(dead), lease: setting(lease) });
  if (resolved.errors.length > 0) throw new Error(`timing=${text}: ${resolved.errors.map((e) => e.message).join('; ')}`);
  return resolved.timing;
}

function duration(text: string): number {
  const parsed = parseDuration(text, 'the transcript');
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
}

function one(args: string[], usage: string): string {
  if (args.length !== 1) throw new Error(usage);
  return args[0] as string;
}

function isState(text: string | undefined): text is ResourceState {
  return RESOURCE_STATES.includes(text as ResourceState);
}
