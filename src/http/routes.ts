// The paths the HTTP listener serves, each from a provider the daemon gives. /events.json and /
// are served once their providers are given (the event record and the status page); until then 404.
import { EXPOSITION_CONTENT_TYPE } from './exposition.js';
import type { HttpRoute } from './server.js';

export interface StatusProviders {
  /** The text of /metrics. */
  metrics(): string;
  /** The document `hastmonctl status --json` prints. */
  status(): unknown;
  /** The event record's document, for /events.json. */
  events?: () => unknown;
  /** The status page's HTML, for /. */
  page?: () => string;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** Indented as `hastmonctl status --json` prints it, so the two can be compared byte for byte. */
function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function statusRoutes(p: StatusProviders): Record<string, HttpRoute | undefined> {
  const events = p.events;
  const page = p.page;
  return {
    '/metrics': { contentType: EXPOSITION_CONTENT_TYPE, body: () => p.metrics() },
    '/status.json': { contentType: JSON_TYPE, body: () => json(p.status()) },
    '/events.json': events === undefined ? undefined : { contentType: JSON_TYPE, body: () => json(events()) },
    '/': page === undefined ? undefined : { contentType: 'text/html; charset=utf-8', body: () => page() },
  };
}
