// Every received datagram passes here before the core sees it: source check (`friends`),
// decoding (checksum, authentication), an incarnation no clock can have, peers only, replay
// window. Whatever fails is dropped, counted, and logged at a bounded rate; nothing a datagram
// contains can throw, and nothing about a node that is not a peer is kept.

import type { Heartbeat } from '../core/types.js';
import { DropCounters, type DropReason } from '../wire/drop-counters.js';
import { decodeHeartbeat } from '../wire/decode.js';
import { incarnationTooFarAhead } from '../wire/incarnation.js';
import { PeerAdmission, type PeerPolicy } from '../wire/peer-admission.js';
import { ReplayWindow } from '../wire/replay-window.js';

export interface IntakeOptions {
  self: string;
  key: Buffer | null;
  /** Source addresses accepted; null accepts any (no `friends` configured). */
  friends: ReadonlySet<string> | null;
  /** Who may be a peer. */
  peers: PeerPolicy;
  /** This node's resources: their names share its heartbeat with the echoes of its peers. */
  resources: readonly string[];
  /** The lease: a peer's newest heartbeat silent this long no longer hides older ones (see PeerTable.record). */
  supersededAfter: number;
  log: (level: 'debug' | 'warning', message: string) => void;
  /** Monotonic milliseconds. */
  now: () => number;
  /** Wall-clock milliseconds, which incarnations are compared with. */
  wallClock: () => number;
}

/** Drops not worth a warning: the same heartbeat over a second channel, one overtaken in transit. */
const QUIET_DROPS: ReadonlySet<DropReason> = new Set(['duplicate', 'stale']);

export class HeartbeatIntake {
  readonly drops = new DropCounters();
  private readonly replay: ReplayWindow;
  private readonly admission: PeerAdmission;

  constructor(private readonly options: IntakeOptions) {
    this.replay = new ReplayWindow(options.supersededAfter);
    this.admission = new PeerAdmission(options.peers, { node: options.self, resources: options.resources, keyed: options.key !== null });
  }

  /**
   * The heartbeat to give the core, or undefined when the datagram is dropped. The words of a
   * drop are put together only when it is logged: nothing is formatted for a heartbeat that passes.
   */
  accept(datagram: Buffer, from: { address: string; port: number }): Heartbeat | undefined {
    if (this.options.friends !== null && !this.options.friends.has(from.address)) {
      return this.drop('not-friend', () => `from ${source(from)}, not in friends`);
    }
    const decoded = decodeHeartbeat(datagram, this.options.key);
    if (!decoded.ok) return this.drop(decoded.reason, () => `from ${source(from)}: ${decoded.detail}`);
    const heartbeat = decoded.heartbeat;
    if (heartbeat.node === this.options.self) return undefined; // our own, looped back by multicast
    if (incarnationTooFarAhead(heartbeat.incarnation, this.options.wallClock())) {
      return this.drop('future-incarnation', () => {
        const date = new Date(heartbeat.incarnation);
        const when = Number.isNaN(date.getTime()) ? String(heartbeat.incarnation) : date.toISOString();
        return `from ${sender(heartbeat.node, from)}: incarnation ${when}, more than a day ahead of this node's clock`;
      });
    }
    if (!this.admission.admit(heartbeat.node)) return this.drop('unknown-node', () => `from ${sender(heartbeat.node, from)}: ${this.admission.refusal()}`);
    const verdict = this.replay.check(heartbeat.node, heartbeat.incarnation, heartbeat.seq, this.options.now());
    if (verdict !== 'fresh') {
      return this.drop(verdict, () => `from ${sender(heartbeat.node, from)}: seq ${heartbeat.seq} of incarnation ${heartbeat.incarnation}`);
    }
    return heartbeat;
  }

  /** A reload changed the configured nodes: nodes removed are peers no more. */
  reconfigure(peers: PeerPolicy): void {
    for (const node of this.admission.reconfigure(peers)) this.replay.forget(node);
  }

  private drop(reason: DropReason, detail: () => string): undefined {
    this.drops.record(reason);
    if (QUIET_DROPS.has(reason)) return undefined;
    const decision = this.drops.shouldLog(reason, this.options.now());
    if (decision.log) {
      const more = decision.suppressed > 0 ? ` (${decision.suppressed} more since the last report)` : '';
      this.options.log('warning', `dropped a ${reason} datagram ${detail()}${more}`);
    }
    return undefined;
  }
}

function source(from: { address: string; port: number }): string {
  return `${from.address}:${from.port}`;
}

function sender(node: string, from: { address: string; port: number }): string {
  return `${JSON.stringify(node)} at ${source(from)}`;
}
