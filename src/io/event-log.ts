// The daemon's memory of its recent events (hastmonctl events, the status page's timeline): a
// bounded ring of the core's event effects, each stamped with the wall clock and a sequence number.
// Kept in memory only: a restart begins a new log, as the sequence numbers show.

import type { Effect } from '../core/types.js';
import type { EventRecord, EventsDocument } from './control-protocol.js';

/**
 * Events kept. A failover makes a few per resource on each node, so a thousand cover weeks of an
 * ordinary cluster and an afternoon of a flapping one, in about 200 KiB (a record's reason is one
 * line); the answer to `hastmonctl events` stays far below the control protocol's cap.
 */
export const EVENT_LOG_CAPACITY = 1000;

export class EventLog {
  private readonly ring: EventRecord[] = [];
  /** Where the oldest record sits once the ring is full. */
  private start = 0;
  private seq = 0;

  constructor(private readonly capacity: number = EVENT_LOG_CAPACITY) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new Error(`event log capacity must be a whole number of 1 or more, not ${capacity}`);
  }

  /** Keeps one event of the core, dropping the oldest when full. */
  add(event: Extract<Effect, { kind: 'event' }>, time: Date): EventRecord {
    const record: EventRecord = {
      seq: ++this.seq,
      time: time.toISOString(),
      resource: event.resource,
      subject: event.subject,
      from: event.from,
      to: event.to,
      reason: event.reason,
    };
    if (this.ring.length < this.capacity) {
      this.ring.push(record);
    } else {
      this.ring[this.start] = record;
      this.start = (this.start + 1) % this.capacity;
    }
    return record;
  }

  /** The newest `limit` records (all when undefined), oldest first. */
  latest(limit?: number): EventRecord[] {
    const ordered = [...this.ring.slice(this.start), ...this.ring.slice(0, this.start)];
    return limit === undefined ? ordered : ordered.slice(Math.max(0, ordered.length - limit));
  }

  get size(): number {
    return this.ring.length;
  }
}

/** The document `hastmonctl events --json` prints and `/events.json` serves: newest last. */
export function eventsDocument(node: string, log: EventLog, limit?: number): EventsDocument {
  return { node, events: log.latest(limit) };
}
