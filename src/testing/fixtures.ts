// What the transcripts and the simulator configure alike. Their timing is hastmon's own default
// (DEFAULT_TIMING in src/config/timing.ts); their resources get settings that make failures show
// within seconds.

import type { MemberSpec, ResourceSpec } from '../core/types.js';

/** A resource with 3 attempts, a monitor every second, 2 failures in a row, a 3 s script timeout. */
export function quickResourceSpec(name: string, members: MemberSpec[], overrides: Partial<ResourceSpec> = {}): ResourceSpec {
  return {
    name,
    members,
    attempts: 3,
    monitorInterval: 1000,
    monitorFall: 2,
    localRestarts: 0,
    scriptTimeout: 3000,
    failback: 'manual',
    fence: false,
    alert: false,
    notify: false,
    complaintCount: 3,
    complaintInterval: 60_000,
    ...overrides,
  };
}
