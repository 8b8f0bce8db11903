// What a resource's state machine sees of its node during one step.

import type { PeerTable } from './peers.js';
import type { QuorumRules } from './quorum.js';
import type { Effect, EtcdVoterSpec, LogLevel, Timing } from './types.js';

export interface NodeContext {
  readonly now: number;
  readonly self: string;
  readonly timing: Timing;
  readonly rules: QuorumRules;
  readonly peers: PeerTable;
  /** Local time this incarnation started: echoes older than this belong to an earlier one. */
  readonly bootAt: number;
  /** Nobody is elected here before then (boot + deadtime): time to hear who is already there. */
  readonly listenUntil: number;
  readonly gatewayReachable: boolean;
  /** etcd is one more voter (an `etcd` section), null otherwise. */
  readonly etcd: EtcdVoterSpec | null;
  newRunId(): number;
  emit(effect: Effect): void;
  log(level: LogLevel, message: string): void;
}
