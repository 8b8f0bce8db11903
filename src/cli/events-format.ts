// `hastmonctl events` for people: one line per event, oldest first, as the daemon keeps them.
import type { EventRecord, EventsDocument } from '../io/control-protocol.js';

/** `TIME  RESOURCE  FROM -> TO  REASON`; a holder change reads `holder FROM -> TO`, `none` for nobody. */
export function formatEventLine(event: EventRecord): string {
  const change =
    event.subject === 'holder' ? `holder ${event.from || 'none'} -> ${event.to || 'none'}` : `${event.from} -> ${event.to}`;
  return `${event.time}  ${event.resource}  ${change}  ${event.reason}\n`;
}

export function formatEvents(document: EventsDocument): string {
  if (document.events.length === 0) return `no events on ${document.node} since hastmon started\n`;
  return document.events.map(formatEventLine).join('');
}
