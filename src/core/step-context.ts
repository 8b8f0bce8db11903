// The NodeContext a core hands its resources: one object per purpose, refreshed from the core's
// fields at the moments a fresh context used to be made, so that a step allocates none.

import type { NodeContext } from './context.js';
import type { PeerTable } from './peers.js';
import type { QuorumRules } from './quorum.js';
import type { Effect, EtcdVoterSpec, LogLevel, Timing } from './types.js';

/** What a context does on the core's behalf; bound once. */
export interface ContextActions {
  newRunId(): number;
  emit(effect: Effect): void;
  log(level: LogLevel, message: string): void;
}

export class StepContext implements NodeContext {
  now = 0;
  self = '';
  timing!: Timing;
  listenUntil = 0;
  gatewayReachable = true;
  etcd: EtcdVoterSpec | null = null;

  constructor(
    readonly peers: PeerTable,
    readonly bootAt: number,
    readonly rules: QuorumRules,
    private readonly actions: ContextActions,
  ) {}

  /** Shows the core's fields as they are now; returns itself. */
  refresh(now: number, self: string, timing: Timing, gatewayReachable: boolean, etcd: EtcdVoterSpec | null): this {
    this.now = now;
    this.self = self;
    this.timing = timing;
    this.listenUntil = this.bootAt + timing.deadtime;
    this.gatewayReachable = gatewayReachable;
    this.etcd = etcd;
    return this;
  }

  newRunId(): number {
    return this.actions.newRunId();
  }

  emit(effect: Effect): void {
    this.actions.emit(effect);
  }

  log(level: LogLevel, message: string): void {
    this.actions.log(level, message);
  }
}
