// The election rule, in one place (DESIGN §4.1–4.3).
//
// Every node computes the same order from the same reports, so every voter endorses the same node
// once their views agree.

/** What the order of preference looks at, for one node and one resource. */
export interface Contender {
  node: string;
  priority: number;
  /** Role `primary` (hastmonctl role primary): a planned switchover to this node. */
  primary: boolean;
  /** Stepped down (HUP, role secondary): preferred only when nobody else is there. */
  yielding: boolean;
  /** Started by the operator without asking anyone (USR1, -m): wins a conflict between holders. */
  forced: boolean;
}

/**
 * Negative when `a` is preferred to `b`. Forced before not forced, not yielding before yielding,
 * role primary before the rest, lower priority first, then host name in alphabetical order ignoring
 * case (FreeHA), then the exact name so that the order is total.
 */
export function comparePreference(a: Contender, b: Contender): number {
  if (a.forced !== b.forced) return a.forced ? -1 : 1;
  if (a.yielding !== b.yielding) return a.yielding ? 1 : -1;
  if (a.primary !== b.primary) return a.primary ? -1 : 1;
  if (a.priority !== b.priority) return a.priority - b.priority;
  const lowerA = a.node.toLowerCase();
  const lowerB = b.node.toLowerCase();
  if (lowerA !== lowerB) return lowerA < lowerB ? -1 : 1;
  if (a.node === b.node) return 0;
  return a.node < b.node ? -1 : 1;
}

export function mostPreferred(contenders: readonly Contender[]): Contender | undefined {
  let best: Contender | undefined;
  for (const contender of contenders) {
    if (best === undefined || comparePreference(contender, best) < 0) best = contender;
  }
  return best;
}

/**
 * Whom a voter endorses: the holder it hears (stickiness), the most preferred one if it hears
 * several; else the most preferred eligible candidate it hears; else nobody ('').
 */
export function chooseEndorsement(
  holders: readonly Contender[],
  candidates: readonly Contender[],
): string {
  const holder = mostPreferred(holders);
  if (holder !== undefined) return holder.node;
  return mostPreferred(candidates)?.node ?? '';
}
