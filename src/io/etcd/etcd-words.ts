// etcd's part of a resource in words, the same in `hastmonctl status`, the state file and the
// status page's JSON readers: `ours, counts 1.4 s more`, `held by bolek`, `unreachable (…)`.
import type { EtcdResourceStatus } from '../control-protocol.js';

export function describeEtcdKey(key: Pick<EtcdResourceStatus, 'claim' | 'owner' | 'countsForMs'>, lastError: string): string {
  switch (key.claim) {
    case 'ours':
      // Ours but not counted: given up (the stop ended) and not yet seen deleted, or an older wish's.
      return key.countsForMs > 0 ? `ours, counts ${(key.countsForMs / 1000).toFixed(1)} s more` : 'ours, not counted here';
    case 'theirs':
      return `held by ${key.owner === '' ? 'a value hastmon does not know' : key.owner}`;
    case 'free':
      return 'free';
    case 'unreachable':
      return lastError === '' ? 'unreachable' : `unreachable (${oneLine(lastError)})`;
    case 'unknown':
      return 'not heard yet';
  }
}

/** The connection in words: `http://127.0.0.1:2379 connected`. */
export function describeEtcdConnection(endpoint: string, connected: boolean | null, lastError: string): string {
  const state = connected === null ? 'not asked yet' : connected ? 'connected' : 'unreachable';
  return `${endpoint} ${state}${connected === false && lastError !== '' ? ` (${oneLine(lastError)})` : ''}`;
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}
