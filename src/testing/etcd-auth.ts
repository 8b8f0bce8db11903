// Turns on etcd's authentication through the gateway itself, as an operator's etcdctl would:
// root (with the root role, which /v3/auth/enable requires), a role with read and write on one key
// prefix granted to the hastmon user, and a user with no role at all.
import type { EtcdConfig } from '../config/model.js';
import { monotonicMs } from '../io/clock.js';
import { EtcdClient } from '../io/etcd/etcd-client.js';
import { toBase64 } from '../io/etcd/gateway.js';
import { etcdConfig, RecordingLog } from './etcd-voter-harness.js';

export const ROOT = { user: 'root', password: 'root-secret' };
export const HASTMON = { user: 'hastmon', password: 'hastmon-secret' };
/** Authenticates, but may touch no key. */
export const STRANGER = { user: 'stranger', password: 'stranger-secret' };

/** The end of etcd's range "every key that starts with `prefix`": the prefix with its last byte plus one. */
export function prefixRangeEnd(prefix: string): string {
  const bytes = Buffer.from(prefix, 'utf8');
  const last = bytes[bytes.length - 1];
  if (last === undefined || last === 0xff) throw new Error(`no range end for prefix '${prefix}'`);
  bytes[bytes.length - 1] = last + 1;
  return bytes.toString('base64');
}

async function post(config: EtcdConfig, path: string, body: unknown): Promise<void> {
  const client = new EtcdClient({ config, now: monotonicMs, log: new RecordingLog() });
  try {
    await client.call(path, body, () => null);
  } finally {
    client.close();
  }
}

/** Makes root, hastmon (read and write under `prefix`) and stranger, then enables auth. */
export async function enableAuth(endpoints: string[], prefix: string, extra: Partial<EtcdConfig> = {}): Promise<void> {
  const open = etcdConfig(endpoints, extra);
  const steps: Array<[string, unknown]> = [
    ['/v3/auth/user/add', { name: ROOT.user, password: ROOT.password }],
    ['/v3/auth/role/add', { name: 'root' }],
    ['/v3/auth/user/grant', { user: ROOT.user, role: 'root' }],
    ['/v3/auth/user/add', { name: HASTMON.user, password: HASTMON.password }],
    ['/v3/auth/role/add', { name: 'hastmon' }],
    ['/v3/auth/role/grant', { name: 'hastmon', perm: { permType: 'READWRITE', key: toBase64(prefix), range_end: prefixRangeEnd(prefix) } }],
    ['/v3/auth/user/grant', { user: HASTMON.user, role: 'hastmon' }],
    ['/v3/auth/user/add', { name: STRANGER.user, password: STRANGER.password }],
    ['/v3/auth/enable', {}],
  ];
  for (const [path, body] of steps) await post(open, path, body);
}

/**
 * Invalidates every token etcd gave `user`: setting a password (the same one) drops them, as
 * their expiry or a restart of etcd would.
 */
export async function invalidateTokens(endpoints: string[], user: { user: string; password: string }, extra: Partial<EtcdConfig> = {}): Promise<void> {
  await post(etcdConfig(endpoints, { ...extra, auth: ROOT }), '/v3/auth/user/changepw', { name: user.user, password: user.password });
}
