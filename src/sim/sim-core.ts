// What the simulator needs of a core, so that tests can hand it a weakened one.

import type { ReconfigureResult } from '../core/node.js';
import type { CoreConfig, Effect, Input, NodeView } from '../core/types.js';

/** NodeCore and its subclasses fit. */
export interface SimCore {
  step(now: number, input: Input): Effect[];
  reconfigure(now: number, config: CoreConfig): ReconfigureResult;
  nextWakeAt(): number;
  view(now: number): NodeView;
}

export type CoreFactory = (config: CoreConfig, opts: { now: number; incarnation: number }) => SimCore;
