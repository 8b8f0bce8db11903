// What a node's report says, but its echo, as plain fields: the core compares it at every step to
// send a heartbeat at once when something the others decide on has changed.

import type { ResourceReport } from './types.js';

/** A report's fields but its name, priority and echo: a heartbeat goes at once when one of them changes. */
export type ReportFingerprint = Omit<ResourceReport, 'name' | 'priority' | 'voteEcho'>;

export function emptyFingerprint(): ReportFingerprint {
  return { state: 'INITIAL', role: 'init', eligible: false, yielding: false, forced: false, dirty: false, offline: false, vote: '' };
}

export function sameFingerprint(a: ReportFingerprint, b: ReportFingerprint): boolean {
  return (
    a.state === b.state &&
    a.role === b.role &&
    a.eligible === b.eligible &&
    a.yielding === b.yielding &&
    a.forced === b.forced &&
    a.dirty === b.dirty &&
    a.offline === b.offline &&
    a.vote === b.vote
  );
}
