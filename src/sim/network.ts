// The simulated network: for each datagram and receiver, whether it arrives, how many copies, and
// after how long. A node broadcasts; every receiver gets its own fate.

import { HEALTHY_NETWORK, linkKey, type NetworkCondition } from './faults.js';
import type { Prng } from './prng.js';
import type { Heartbeat } from '../core/types.js';

export class SimNetwork {
  private current: NetworkCondition = HEALTHY_NETWORK;

  constructor(private readonly rng: Prng) {}

  get condition(): NetworkCondition {
    return this.current;
  }

  set condition(condition: NetworkCondition) {
    this.current = condition;
  }

  /** Real-time delays of the copies of one datagram from `from` that reach `to`; [] if lost. */
  deliveries(from: number, to: number): number[] {
    const c = this.current;
    if (c.blocked.has(linkKey(from, to))) return [];
    if (this.rng.chance(c.loss)) return [];
    const copies = this.rng.chance(c.duplicate) ? 2 : 1;
    const delays: number[] = [];
    for (let i = 0; i < copies; i++) delays.push(this.delay(c));
    return delays;
  }

  private delay(c: NetworkCondition): number {
    // Even a healthy LAN takes a little and varies a little.
    let delay = this.rng.range(0.05, 1.5);
    if (c.maxDelay > 0) delay += this.rng.range(0, c.maxDelay);
    if (c.longDelayChance > 0 && this.rng.chance(c.longDelayChance)) delay += this.rng.range(500, c.longDelayMax);
    return delay;
  }
}

/** Each receiver decodes its own datagram: a copy, so nobody shares objects with the sender. */
export function copyHeartbeat(heartbeat: Heartbeat): Heartbeat {
  return {
    ...heartbeat,
    resources: heartbeat.resources.map((r) => ({ ...r })),
    echoes: heartbeat.echoes.map((e) => ({ ...e })),
  };
}
