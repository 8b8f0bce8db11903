import { hostname } from 'node:os';

/** The node's default name: the host name up to the first dot, as FreeHA names nodes. */
export function shortHostname(): string {
  const full = hostname();
  return full.split('.')[0] || full;
}
