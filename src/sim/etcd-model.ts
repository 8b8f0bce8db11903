// etcd in a seeded run: the store (etcd-store.ts), reached over the simulated network from each
// node's client (etcd-client.ts) with the delay and loss of the current network condition, plus
// etcd's own faults (etcd-faults.ts): lost from everyone or from some nodes, slow. A client lives
// as long as its node's hastmon: a crash or an exit ends it, and a paused process reads nothing
// and sends nothing until it resumes (what reached it meanwhile waits, in order).

import { EtcdClient, type EtcdReply, type EtcdRequest } from './etcd-client.js';
import { HEALTHY_ETCD, type EtcdCondition } from './etcd-faults.js';
import { EtcdStore, type EtcdWatchEvent } from './etcd-store.js';
import type { NetworkCondition } from './faults.js';
import type { Prng } from './prng.js';
import type { SimNode } from './sim-node.js';
import type { EtcdClaim, EtcdVoterSpec, Timing } from '../core/types.js';

/** The key prefix hastmon.conf(5) gives by default. */
const PREFIX = '/hastmon/';
/** Each request is given up after this fraction of the TTL, and reported unreachable. */
const REQUEST_TIMEOUT_FRACTION_OF_TTL = 0.5;

export interface SimEtcdEnv {
  now(): number;
  /** Run `fire` at real time `at`, in time order with every other event. */
  at(at: number, fire: () => void): void;
  network(): NetworkCondition;
  /** The shell hands the core a claim. */
  claim(node: SimNode, resource: string, claim: EtcdClaim): void;
  trace?(line: string): void;
}

interface Attached {
  life: number;
  client: EtcdClient;
  /** Work for the client that arrived while its process was paused. */
  inbox: (() => void)[];
  /** The last delivery time of a watch event: a watch delivers in order. */
  watchAt: number;
}

export class SimEtcd {
  private readonly store: EtcdStore;
  private condition: EtcdCondition = HEALTHY_ETCD;
  private readonly attached = new Map<SimNode, Attached>();

  constructor(
    private readonly spec: EtcdVoterSpec,
    private readonly timing: Timing,
    rate: number,
    private readonly rng: Prng,
    private readonly env: SimEtcdEnv,
    ttlFraction = 1,
  ) {
    this.store = new EtcdStore(
      rate,
      {
        wakeAt: (at, lease) => this.env.at(Math.max(at, this.env.now()), () => this.store.expire(this.env.now(), lease)),
        changed: (event) => this.broadcast(event),
      },
      ttlFraction,
    );
  }

  setCondition(condition: EtcdCondition): void {
    this.condition = condition;
  }

  leaderChange(): void {
    this.store.leaderChange(this.env.now());
  }

  /** hastmon starts on `node`: a new client, which reads every key and starts watching. */
  start(node: SimNode, resources: readonly string[]): void {
    const life = node.life;
    const client = new EtcdClient({ node: node.name, incarnation: node.incarnation, prefix: PREFIX, ttlMs: this.spec.ttlMs, guard: this.timing.guard }, resources, {
      local: () => node.clock.localAt(this.env.now()),
      request: (request, onReply) => this.request(node, life, request, onReply),
      after: (localMs, fire) => this.env.at(this.env.now() + node.clock.realDuration(localMs), () => this.forClient(node, life, fire)),
      claim: (resource, claim) => this.env.claim(node, resource, claim),
    });
    this.attached.set(node, { life, client, inbox: [], watchAt: 0 });
  }

  want(node: SimNode, resource: string, want: boolean): void {
    this.attached.get(node)?.client.want(resource, want);
  }

  /** The process runs again: what reached its client meanwhile, in order. */
  resume(node: SimNode): void {
    const attached = this.attached.get(node);
    if (attached === undefined) return;
    const inbox = attached.inbox.splice(0);
    for (const work of inbox) this.forClient(node, attached.life, work);
  }

  private forClient(node: SimNode, life: number, work: () => void): void {
    const attached = this.attached.get(node);
    if (attached === undefined || attached.life !== life || node.life !== life || node.core === null) return;
    if (node.pause !== null) attached.inbox.push(work);
    else work();
  }

  private request(node: SimNode, life: number, request: EtcdRequest, onReply: (reply: EtcdReply | null) => void): void {
    let answered = false;
    const answer = (reply: EtcdReply | null): void => {
      if (answered) return;
      answered = true;
      onReply(reply);
    };
    const timeout = node.clock.realDuration(this.spec.ttlMs * REQUEST_TIMEOUT_FRACTION_OF_TTL);
    this.env.at(this.env.now() + timeout, () => this.forClient(node, life, () => answer(null)));
    const there = this.delay(node.index);
    if (there === null) return;
    this.env.at(this.env.now() + there, () => {
      const reply = this.apply(request);
      const back = this.delay(node.index);
      if (back === null) return;
      this.env.at(this.env.now() + back, () => this.forClient(node, life, () => answer(reply)));
    });
  }

  /** etcd handles a request at the instant it arrives: linearizable. */
  private apply(request: EtcdRequest): EtcdReply {
    const now = this.env.now();
    switch (request.op) {
      case 'grant':
        return { op: 'grant', lease: this.store.grant(now, request.ttlMs) };
      case 'keepalive':
        return { op: 'keepalive', ttlMs: this.store.keepalive(now, request.lease) };
      case 'revoke':
        this.store.revoke(request.lease);
        return { op: 'revoke' };
      case 'create': {
        const result = this.store.createIfAbsent(request.key, request.owner, request.lease);
        return result.created ? { op: 'create', created: true, current: null, revision: result.revision } : { op: 'create', created: false, current: result.current, revision: result.revision };
      }
      case 'get':
        return { op: 'get', ...this.store.get(request.key) };
    }
  }

  /** Every live client watches every key; a watch delivers in order, and what it loses a read makes up. */
  private broadcast(event: EtcdWatchEvent): void {
    this.env.trace?.(`etcd ${event.type} ${event.key} rev ${event.revision}${event.type === 'PUT' ? ` ${event.value.owner.node}#${event.value.owner.incarnation}` : ''}`);
    for (const [node, attached] of this.attached) {
      if (node.core === null || attached.life !== node.life) continue;
      const delay = this.delay(node.index);
      if (delay === null) continue;
      attached.watchAt = Math.max(this.env.now() + delay, attached.watchAt);
      const life = attached.life;
      this.env.at(attached.watchAt, () => this.forClient(node, life, () => attached.client.watched(event)));
    }
  }

  /** One way between etcd and a node: null if lost, else the delay in real ms. */
  private delay(node: number): number | null {
    if (this.condition.cut.has(node)) return null;
    const c = this.env.network();
    if (this.rng.chance(c.loss)) return null;
    let delay = this.rng.range(0.2, 3);
    if (c.maxDelay > 0) delay += this.rng.range(0, c.maxDelay);
    if (c.longDelayChance > 0 && this.rng.chance(c.longDelayChance)) delay += this.rng.range(500, c.longDelayMax);
    if (this.condition.slowMax > 0) delay += this.rng.range(0, this.condition.slowMax);
    return delay;
  }
}
