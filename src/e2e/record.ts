// The record the test service keeps: one line per start or stop, `NODE EVENT EPOCH.NANOSECONDS`,
// from which the tests rebuild when each node ran the resource and prove that no two did at once.

export const RECORD_EVENTS = ['start-begin', 'start-end', 'stop-begin', 'stop-end'] as const;
export type RecordEvent = (typeof RECORD_EVENTS)[number];

export interface RecordLine {
  node: string;
  event: RecordEvent;
  /** Wall-clock milliseconds since the epoch, as `Date.now()` counts them. */
  atMs: number;
}

/** What a test did to a node that ends its run without its stop script. */
export interface Interruption {
  node: string;
  /** `crash`: the node and its service were killed (a dead host runs nothing); `freeze`: both were stopped (SIGSTOP). */
  kind: 'crash' | 'freeze';
  atMs: number;
}

/** One node running the resource: from its start script beginning to its stop script beginning. */
export interface Interval {
  node: string;
  begin: number;
  /** The stop script began, or the test crashed or froze the node; Infinity while it still runs. */
  end: number;
  /** When the resource surely ran there no more (stop script done, or the crash); Infinity if unknown. */
  finished: number;
  endedBy: 'stop' | 'crash' | 'freeze' | 'running';
}

const LINE = /^(\S+) (start-begin|start-end|stop-begin|stop-end) (\d+)\.(\d{1,9})$/;

/** Parses the record; a line that does not match (a torn last line) is an error, not skipped. */
export function parseRecord(text: string): RecordLine[] {
  const out: RecordLine[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line === '') continue;
    const match = LINE.exec(line);
    if (match === null) throw new Error(`record line ${index + 1} is malformed: ${JSON.stringify(line)}`);
    const [, node = '', event = '', seconds = '0', fraction = '0'] = match;
    out.push({ node, event: event as RecordEvent, atMs: Number(seconds) * 1000 + Number(fraction.padEnd(9, '0')) / 1e6 });
  }
  return out;
}

/**
 * The intervals in which each node ran the resource. A start while one is open (a retried start)
 * continues it; a stop with none open (the clean-up stop every node runs at start-up, or the stop
 * of a node woken after a freeze) closes nothing.
 */
export function intervalsOf(lines: readonly RecordLine[], interruptions: readonly Interruption[] = []): Interval[] {
  type Item = { node: string; atMs: number; what: RecordEvent | Interruption['kind']; order: number };
  const items: Item[] = [
    ...lines.map((l, order) => ({ node: l.node, atMs: l.atMs, what: l.event, order })),
    ...interruptions.map((i, order) => ({ node: i.node, atMs: i.atMs, what: i.kind, order: lines.length + order })),
  ];
  items.sort((a, b) => a.atMs - b.atMs || a.order - b.order);
  const intervals: Interval[] = [];
  const open = new Map<string, Interval>();
  const lastClosed = new Map<string, Interval>();
  for (const item of items) {
    const current = open.get(item.node);
    switch (item.what) {
      case 'start-begin':
        if (current === undefined) {
          const interval: Interval = { node: item.node, begin: item.atMs, end: Infinity, finished: Infinity, endedBy: 'running' };
          intervals.push(interval);
          open.set(item.node, interval);
        }
        break;
      case 'start-end':
        break;
      case 'stop-begin':
      case 'crash':
      case 'freeze':
        if (current === undefined) break;
        current.end = item.atMs;
        current.endedBy = item.what === 'stop-begin' ? 'stop' : item.what;
        if (item.what === 'crash') current.finished = item.atMs;
        open.delete(item.node);
        lastClosed.set(item.node, current);
        break;
      case 'stop-end': {
        const closed = lastClosed.get(item.node);
        if (current === undefined && closed !== undefined && closed.finished === Infinity) closed.finished = item.atMs;
        break;
      }
    }
  }
  return intervals;
}

/**
 * Every way the intervals break the rule, as readable sentences (none: the rule holds). No two
 * nodes' intervals may overlap; and a node may begin starting only `guardMs` after the previous
 * holder began stopping, unless that stop had already finished.
 */
export function overlapViolations(intervals: readonly Interval[], guardMs: number): string[] {
  const sorted = [...intervals].sort((a, b) => a.begin - b.begin);
  const origin = sorted[0]?.begin ?? 0;
  const t = (ms: number): string => (Number.isFinite(ms) ? `+${Math.round(ms - origin)} ms` : 'still running');
  const problems: string[] = [];
  for (const [i, a] of sorted.entries()) {
    for (const b of sorted.slice(i + 1)) {
      if (a.node === b.node) continue;
      const what = `${a.node} [${t(a.begin)}, ${t(a.end)}] (${a.endedBy}) and ${b.node} [${t(b.begin)}, ${t(b.end)}]`;
      if (b.begin < a.end) {
        problems.push(`overlap: ${what}`);
      } else if (b.begin - a.end < guardMs && a.finished > b.begin) {
        problems.push(`${b.node} began starting ${Math.round(b.begin - a.end)} ms after ${a.node} began stopping, less than the guard of ${guardMs} ms, before that stop finished: ${what}`);
      }
    }
  }
  return problems;
}
