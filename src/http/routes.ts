// The paths the HTTP listener serves: /metrics and the two documents from providers the daemon
// gives, and the status page, which reads those documents.
import { EXPOSITION_CONTENT_TYPE } from './exposition.js';
import { STATUS_PAGE_CONTENT_TYPE, STATUS_PAGE_CSP, STATUS_PAGE_HTML } from './status-page.js';
import type { HttpRoute } from './server.js';

export interface StatusProviders {
  /** The text of /metrics. */
  metrics(): string;
  /** The document `hastmonctl status --json` prints. */
  status(): unknown;
  /** The event record's document (`hastmonctl events --json`), for /events.json. */
  events(): unknown;
}

/** A header can say what a meta tag cannot: no page may frame this one. */
const PAGE_HEADERS = { 'Content-Security-Policy': `${STATUS_PAGE_CSP}; frame-ancestors 'none'` };

const JSON_TYPE = 'application/json; charset=utf-8';

/** Indented as `hastmonctl status --json` prints it, so the two can be compared byte for byte. */
function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function statusRoutes(p: StatusProviders): Record<string, HttpRoute | undefined> {
  return {
    '/metrics': { contentType: EXPOSITION_CONTENT_TYPE, body: () => p.metrics() },
    '/status.json': { contentType: JSON_TYPE, body: () => json(p.status()) },
    '/events.json': { contentType: JSON_TYPE, body: () => json(p.events()) },
    '/': { contentType: STATUS_PAGE_CONTENT_TYPE, body: () => STATUS_PAGE_HTML, headers: PAGE_HEADERS },
  };
}
