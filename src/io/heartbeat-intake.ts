// Every received datagram passes here before the core sees it: source check (`friends`),
// decoding and authentication, replay window. Whatever fails is dropped, counted, and logged at
// a bounded rate; nothing a datagram contains can throw.

import type { Heartbeat } from '../core/types.js';
import { DropCounters, type DropReason } from '../wire/drop-counters.js';
import { decodeHeartbeat } from '../wire/decode.js';
import { ReplayWindow } from '../wire/replay-window.js';

export interface IntakeOptions {
  self: string;
  key: Buffer | null;
  /** Source addresses accepted; null accepts any (no `friends` configured). */
  friends: ReadonlySet<string> | null;
  log: (level: 'debug' | 'warning', message: string) => void;
  now: () => number;
}

/** Drops not worth a warning: the same heartbeat over a second channel, one overtaken in transit. */
const QUIET_DROPS: ReadonlySet<DropReason> = new Set(['duplicate', 'stale']);

export class HeartbeatIntake {
  readonly drops = new DropCounters();
  private readonly replay = new ReplayWindow();

  constructor(private readonly options: IntakeOptions) {}

  /** The heartbeat to give the core, or undefined when the datagram is dropped. */
  accept(datagram: Buffer, from: { address: string; port: number }): Heartbeat | undefined {
    const source = `${from.address}:${from.port}`;
    if (this.options.friends !== null && !this.options.friends.has(from.address)) {
      return this.drop('not-friend', `from ${source}, not in friends`);
    }
    const decoded = decodeHeartbeat(datagram, this.options.key);
    if (!decoded.ok) return this.drop(decoded.reason, `from ${source}: ${decoded.detail}`);
    const heartbeat = decoded.heartbeat;
    if (heartbeat.node === this.options.self) return undefined; // our own, looped back by multicast
    const verdict = this.replay.check(heartbeat.node, heartbeat.incarnation, heartbeat.seq);
    if (verdict !== 'fresh') {
      return this.drop(verdict, `from ${heartbeat.node} at ${source}: seq ${heartbeat.seq} of incarnation ${heartbeat.incarnation}`);
    }
    return heartbeat;
  }

  private drop(reason: DropReason, detail: string): undefined {
    this.drops.record(reason);
    if (QUIET_DROPS.has(reason)) return undefined;
    const decision = this.drops.shouldLog(reason, this.options.now());
    if (decision.log) {
      const more = decision.suppressed > 0 ? ` (${decision.suppressed} more since the last report)` : '';
      this.options.log('warning', `dropped a ${reason} datagram ${detail}${more}`);
    }
    return undefined;
  }
}
