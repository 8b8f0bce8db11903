import { describe, expect, it } from 'vitest';
import { LIFECYCLE_TABLE, PHASE_NAMES, shownState, transitionFor, type LifecycleEvent, type Phase } from './lifecycle.js';

const EVENTS: readonly LifecycleEvent[] = [
  'evaluate',
  'probe-done',
  'fence-done',
  'start-done',
  'monitor-done',
  'stop-done',
  'hup',
  'force-start',
  'clear',
  'terminate',
  'role-service',
  'role-other',
  'withdraw',
];

describe('the states operators see', () => {
  it("are FreeHA's: a copy found running and the shutdown grace show as STOPPING", () => {
    const phases: Phase[] = [
      { name: 'INITIAL', probe: 'checking' },
      { name: 'FOUND', foundAt: 0 },
      { name: 'STANDBY' },
      { name: 'STARTING', retryAt: 0 },
      { name: 'RUNNING', nextMonitorAt: 0, monitorFailures: 0, monitorSuccesses: 0 },
      { name: 'STOPPING', reason: 'release', thenForceStart: false },
      { name: 'GRACE', until: 0 },
      { name: 'ERRORED', stopFailed: true },
      { name: 'WATCHING' },
    ];
    expect(phases.map(shownState)).toEqual(['INITIAL', 'STOPPING', 'STANDBY', 'STARTING', 'RUNNING', 'STOPPING', 'STOPPING', 'ERRORED', 'WATCHING']);
  });
});

describe('the lifecycle table', () => {
  it('gives every state a transition for every input and command, and nothing more', () => {
    for (const phase of PHASE_NAMES) {
      expect(transitionFor(phase, 'evaluate')).toBeDefined();
      for (const command of ['hup', 'clear', 'terminate', 'withdraw'] as const) expect(transitionFor(phase, command)).toBeDefined();
    }
  });

  it('expects each script result only in the state that runs that script', () => {
    const expected = (phase: string, event: LifecycleEvent): boolean => transitionFor(phase as Phase['name'], event) !== undefined;
    const scripts: LifecycleEvent[] = ['probe-done', 'fence-done', 'start-done', 'monitor-done', 'stop-done'];
    const grid = PHASE_NAMES.map((phase) => `${phase}: ${scripts.filter((e) => expected(phase, e)).join(' ')}`);
    expect(grid).toEqual([
      'INITIAL: probe-done stop-done',
      'FOUND: ',
      'STANDBY: ',
      'STARTING: fence-done start-done',
      'RUNNING: monitor-done',
      'STOPPING: stop-done',
      'GRACE: ',
      'ERRORED: ',
      'WATCHING: ',
    ]);
  });

  it('has no forced start while shutting down (GRACE) or as a watchdog, and no role change it cannot name', () => {
    expect(transitionFor('GRACE', 'force-start')).toBeUndefined();
    expect(transitionFor('WATCHING', 'force-start')).toBeUndefined();
    expect(transitionFor('WATCHING', 'role-service')).toBe('rejoin-initial');
    expect(transitionFor('STOPPING', 'role-other')).toBe('stop-for-role');
  });

  it('has no row that can never match (a state listed after a catch-all for the same event)', () => {
    for (const event of EVENTS) {
      const rows = LIFECYCLE_TABLE.filter(([, on]) => on === event);
      const anyAt = rows.findIndex(([states]) => states === 'any');
      if (anyAt >= 0) expect(rows.slice(anyAt + 1)).toEqual([]);
      const seen = new Set<string>();
      for (const [states] of rows) {
        const list = states === 'any' ? [] : Array.isArray(states) ? states : [states];
        for (const s of list) {
          expect(seen.has(s), `${s} listed twice for ${event}`).toBe(false);
          seen.add(s);
        }
      }
    }
  });
});
