import { describe, expect, it } from 'vitest';
import type { NodeContext } from './context.js';
import { OutlookCache } from './outlook-cache.js';
import { peerCandidates, peerHolders, peersStartingUp, visiblePeerReports } from './outlook.js';
import { PeerTable } from './peers.js';
import { bothWays, STANDARD_RULES } from './quorum.js';
import { RESOURCE_STATES, ROLES, type Heartbeat, type ResourceReport, type Timing } from './types.js';

const TIMING: Timing = { heartbeatInterval: 200, deadtime: 1000, lease: 1000, guard: 100, maxClockDrift: 0.01, shutdownGrace: 0, offlineDefault: 30_000 };
const SELF = 'a';
const PEERS = ['b', 'c', 'd', 'e'];
const VOTERS = new Set([SELF, ...PEERS]);
const RESOURCE = 'r';

/** A small deterministic generator, so that a failure replays. */
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

function pick<T>(random: () => number, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)] as T;
}

function context(peers: PeerTable, now: number, bootAt: number): NodeContext {
  return {
    now,
    self: SELF,
    timing: TIMING,
    rules: STANDARD_RULES,
    peers,
    bootAt,
    listenUntil: bootAt + TIMING.deadtime,
    gatewayReachable: true,
    etcd: null,
    newRunId: () => 0,
    emit: () => undefined,
    log: () => undefined,
  };
}

/** Everything the cache answers, worked out anew from the table. */
function fresh(ctx: NodeContext) {
  const visible = visiblePeerReports(ctx, RESOURCE, VOTERS);
  return {
    visible: visible.map((p) => ({ node: p.node, report: p.report })),
    names: visible.map((p) => p.node),
    holders: peerHolders(visible),
    candidates: peerCandidates(visible),
    startingUp: peersStartingUp(visible),
    bothWays: bothWays(ctx.peers, VOTERS, SELF, ctx.now, ctx.bootAt, TIMING),
  };
}

function cached(cache: OutlookCache, ctx: NodeContext) {
  return {
    visible: cache.read(ctx, RESOURCE, VOTERS).visible.map((p) => ({ node: p.node, report: p.report })),
    names: [...cache.read(ctx, RESOURCE, VOTERS).visibleNames],
    holders: [...cache.read(ctx, RESOURCE, VOTERS).holders],
    candidates: [...cache.read(ctx, RESOURCE, VOTERS).candidates],
    startingUp: [...cache.read(ctx, RESOURCE, VOTERS).startingUp],
    bothWays: cache.read(ctx, RESOURCE, VOTERS).bothWays,
  };
}

describe('OutlookCache', () => {
  it('answers exactly as the outlook worked out anew, whatever heartbeats arrive and whenever it is asked', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const random = generator(seed);
      const peers = new PeerTable();
      const cache = new OutlookCache();
      const bootAt = 50;
      const seqs = new Map<string, number>();
      /** Each peer's standing changes rarely, as in a settled cluster; its echo and vote echo move on. */
      const standing = new Map<string, Omit<ResourceReport, 'voteEcho'>>();
      let now = 0;
      for (let step = 0; step < 400; step++) {
        const roll = random();
        if (roll < 0.5) {
          const node = pick(random, PEERS);
          const seq = (seqs.get(node) ?? 0) + 1;
          seqs.set(node, seq);
          let report = standing.get(node);
          if (report === undefined || random() < 0.1) {
            report = {
              name: RESOURCE,
              state: pick(random, RESOURCE_STATES),
              role: pick(random, ROLES),
              priority: Math.floor(random() * 3),
              eligible: random() < 0.5,
              yielding: random() < 0.2,
              forced: random() < 0.1,
              dirty: random() < 0.1,
              offline: random() < 0.1,
              vote: pick(random, ['', ...VOTERS]),
            };
            standing.set(node, report);
          }
          // Sometimes no report of the resource, sometimes no echo of us, sometimes a stale echo.
          const reports = random() < 0.05 ? [] : [{ ...report, voteEcho: now }];
          const echoRoll = random();
          const echoes = echoRoll < 0.1 ? [] : [{ node: SELF, seq, sentAt: echoRoll < 0.2 ? Math.max(0, now - 1500 * random()) : now - 3 * random() }];
          const heartbeat: Heartbeat = { node, incarnation: 1, seq, sentAt: now, leaving: random() < 0.03, resources: reports, echoes };
          peers.record(heartbeat, now, TIMING.lease);
        }
        if (roll >= 0.5 || random() < 0.5) {
          // Time moves on: sometimes to the very moment a peer turns invisible or deaf.
          const node = pick(random, PEERS);
          const record = peers.get(node);
          const echo = peers.echoOf(node, SELF);
          const turns = [record === undefined ? now : record.heardAt + TIMING.deadtime, echo === undefined ? now : echo + TIMING.deadtime];
          const target = pick(random, turns);
          now = random() < 0.3 && target > now ? target : now + random() * 300;
        }
        const ctx = context(peers, now, bootAt);
        expect(cached(cache, ctx), `seed ${seed}, step ${step}, now ${now}`).toEqual(fresh(ctx));
      }
    }
  });

  it('works everything out again for other voters', () => {
    const peers = new PeerTable();
    peers.record({ node: 'b', incarnation: 1, seq: 1, sentAt: 0, leaving: false, resources: [], echoes: [] }, 0);
    peers.record({ node: 'c', incarnation: 1, seq: 1, sentAt: 0, leaving: false, resources: [], echoes: [] }, 0);
    const cache = new OutlookCache();
    const ctx = context(peers, 10, 0);
    expect(cache.read(ctx, RESOURCE, new Set(['a', 'b'])).visibleNames).toEqual([]);
    expect(cache.read(ctx, RESOURCE, new Set(['a', 'b'])).bothWays).toBe(1);
    peers.record({ node: 'c', incarnation: 1, seq: 2, sentAt: 0, leaving: false, resources: [{ name: RESOURCE, state: 'RUNNING', role: 'secondary', priority: 0, eligible: false, yielding: false, forced: false, dirty: false, offline: false, vote: 'c', voteEcho: 0 }], echoes: [] }, 10);
    expect(cache.read(ctx, RESOURCE, new Set(['a', 'b', 'c'])).visibleNames).toEqual(['c']);
  });
});
