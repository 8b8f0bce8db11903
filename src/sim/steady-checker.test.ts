import { describe, expect, it } from 'vitest';
import type { NodeSnapshot } from './liveness-checker.js';
import { holdsWithQuorum, judgeSteady, quorateGroups, type SteadyGroupQuery } from './steady-checker.js';

function query(cut: string[], up = ['a', 'b', 'w']): SteadyGroupQuery {
  const blocked = new Set(cut);
  return {
    voters: ['a', 'b', 'w'],
    up: new Set(up),
    reaches: (from, to) => !blocked.has(`${from}>${to}`),
    quorum: 2,
    isService: (node) => node !== 'w',
  };
}

function node(name: string, state: string, running = false): NodeSnapshot {
  return {
    name,
    watchdog: name === 'w',
    view: { node: name, incarnation: 1, resources: [{ name: 'r', state } as never] },
    running: new Set(running ? ['r'] : []),
    dirty: new Set(),
  };
}

describe('quorums that hear themselves during a steady fault', () => {
  it('are the sets of up voters, a quorum or more with a service node, linked both ways', () => {
    expect(quorateGroups(query(['a>b', 'a>w']))).toEqual([['b', 'w']]);
    expect(quorateGroups(query(['b>a', 'w>a']))).toEqual([['b', 'w']]);
    expect(quorateGroups(query(['a>w', 'b>w']))).toEqual([['a', 'b']]); // the watchdog is deaf
  });

  it('need a service node and up nodes', () => {
    expect(quorateGroups({ ...query([]), isService: () => false })).toEqual([]);
    expect(quorateGroups(query([], ['a']))).toEqual([]);
  });

  it('a holder keeps the resource rightly when it hears a quorum both ways, even outside every group', () => {
    expect(holdsWithQuorum('a', query(['b>w']))).toBe(true);
    expect(holdsWithQuorum('a', query(['b>a', 'w>a']))).toBe(false);
  });
});

describe('the verdict during a steady fault', () => {
  it('is ok when a holder with a quorum runs it, failing when a quorum hears itself and nobody does', () => {
    const deaf = query(['b>a', 'w>a']);
    expect(judgeSteady('r', [node('a', 'RUNNING', true), node('b', 'STANDBY'), node('w', 'WATCHING')], deaf).kind).toBe('failing');
    expect(judgeSteady('r', [node('a', 'STANDBY'), node('b', 'RUNNING', true), node('w', 'WATCHING')], deaf).kind).toBe('ok');
  });

  it('asks nothing when no quorum hears itself', () => {
    const split = query(['a>b', 'b>a', 'a>w', 'w>a', 'b>w', 'w>b']);
    expect(judgeSteady('r', [node('a', 'STANDBY'), node('b', 'STANDBY'), node('w', 'WATCHING')], split).kind).toBe('ok');
  });

  it('excuses a resource every service node there latched ERRORED', () => {
    const verdict = judgeSteady('r', [node('a', 'ERRORED'), node('b', 'ERRORED'), node('w', 'WATCHING')], query([]));
    expect(verdict.kind).toBe('excused');
  });
});
