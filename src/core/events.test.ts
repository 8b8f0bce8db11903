// The core's events (hastmonctl events): each change of this node's state of a resource and of the
// holder it sees, with from, to and the reason, played on the scenario harness (real cores).
import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMING } from '../config/timing.js';
import { quickResourceSpec } from '../testing/fixtures.js';
import { Harness } from '../testing/harness.js';
import type { SimNode } from '../sim/sim-node.js';
import type { CoreConfig, Effect, MemberSpec } from './types.js';

type CoreEvent = Extract<Effect, { kind: 'event' }>;

const MEMBERS: MemberSpec[] = [
  { node: 'lolek', priority: 0, roleOnStart: 'secondary' },
  { node: 'bolek', priority: 1, roleOnStart: 'secondary' },
  { node: 'reksio', priority: 100, roleOnStart: 'watchdog' },
];

function config(node: string): CoreConfig {
  return { node, timing: { ...DEFAULT_TIMING }, resources: [quickResourceSpec('daemon', MEMBERS)], forceStart: false, etcd: null };
}

/** The harness, keeping every event each node's core emitted, in order. */
class Recording extends Harness {
  readonly events = new Map<string, CoreEvent[]>();

  override event(node: SimNode, effect: CoreEvent): void {
    const list = this.events.get(node.name) ?? [];
    list.push(effect);
    this.events.set(node.name, list);
    super.event(node, effect);
  }

  of(node: string, subject: CoreEvent['subject']): Array<Omit<CoreEvent, 'kind' | 'resource' | 'subject'>> {
    return (this.events.get(node) ?? []).filter((e) => e.subject === subject).map(({ from, to, reason }) => ({ from, to, reason }));
  }
}

function cluster(): Recording {
  const h = new Recording();
  for (const m of MEMBERS) h.addNode(config(m.node));
  h.until(() => h.views('lolek')?.[0]?.state === 'RUNNING', 5_000, 'lolek RUNNING');
  h.advance(500);
  return h;
}

describe('state events', () => {
  it("follow the node's state from the probe to running, each with the reason the core gives", () => {
    const h = cluster();
    expect(h.of('lolek', 'state')).toEqual([
      { from: 'INITIAL', to: 'STANDBY', reason: 'start-up check done: not running here' },
      { from: 'STANDBY', to: 'STARTING', reason: 'elected: 2 of 3 voters endorse it (quorum 2)' },
      { from: 'STARTING', to: 'RUNNING', reason: 'started' },
    ]);
    // A watchdog begins in WATCHING: no change to report.
    expect(h.of('reksio', 'state')).toEqual([]);
  });

  it('form one unbroken chain per node that ends in the state its view shows', () => {
    const h = cluster();
    h.crash('lolek');
    h.until(() => h.views('bolek')?.[0]?.state === 'RUNNING', 3_000, 'bolek RUNNING');
    h.command('bolek', { type: 'hup' });
    h.advance(3_000);
    const states = h.of('bolek', 'state');
    expect(states[0]?.from).toBe('INITIAL');
    for (let i = 1; i < states.length; i++) expect(states[i]?.from).toBe(states[i - 1]?.to);
    expect(states.at(-1)?.to).toBe(h.views('bolek')?.[0]?.state);
    expect(h.of('bolek', 'state')).toContainEqual({ from: 'RUNNING', to: 'STOPPING', reason: 'HUP: stopping here, handing over' });
  });
});

describe('holder events', () => {
  it('say who holds the resource as each node sees it, and why it changed', () => {
    const h = cluster();
    expect(h.of('lolek', 'holder')).toEqual([{ from: '', to: 'lolek', reason: 'this node is starting it' }]);
    expect(h.of('reksio', 'holder')).toEqual([{ from: '', to: 'lolek', reason: 'lolek reports STARTING' }]);
    h.crash('lolek');
    h.until(() => h.views('bolek')?.[0]?.state === 'RUNNING', 3_000, 'bolek RUNNING');
    const after = h.of('bolek', 'holder').slice(1);
    expect(after).toEqual([
      { from: 'lolek', to: '', reason: expect.stringMatching(/^lolek not heard for \d+ ms \(TIMEDOUT\)$/) as unknown as string },
      { from: '', to: 'bolek', reason: 'this node is starting it' },
    ]);
  });

  it('say so when the holder releases it and when it leaves', () => {
    const h = cluster();
    h.command('lolek', { type: 'hup' });
    h.until(() => h.views('bolek')?.[0]?.state === 'RUNNING', 3_000, 'bolek RUNNING');
    expect(h.of('reksio', 'holder')).toContainEqual({ from: 'lolek', to: '', reason: 'lolek released it (now STANDBY)' });
    h.command('bolek', { type: 'term' });
    h.until(() => !h.isAlive('bolek'), 3_000, 'bolek gone');
    h.advance(100); // its last heartbeat on its way
    const fromBolek = h.of('reksio', 'holder').filter((e) => e.from === 'bolek');
    expect(fromBolek.at(-1)?.reason).toMatch(/^bolek (released it \(now STANDBY\)|left \(its hastmon shut down\))/);
  });

  it('are not repeated while the holder stays the same', () => {
    const h = cluster();
    const before = h.of('bolek', 'holder').length;
    h.advance(10_000);
    expect(h.of('bolek', 'holder')).toHaveLength(before);
  });
});
