// The state file (DESIGN §7): plain text in FreeHA's shape for `watch cat /var/run/hastmon`,
// replaced atomically so a reader never sees it torn.
import { closeSync, fchmodSync, openSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { NodeView, PeerView, ResourceView } from '../core/types.js';
import type { GatewayStatus } from './control-protocol.js';
import { describeEtcdKey } from './etcd/etcd-words.js';
import type { EtcdConnection } from './status-document.js';
import { shownRoleIn } from './status-document.js';

export interface StateFileInfo {
  pid: number;
  writtenAt: Date;
  /** A summary of this node's role, shown in the header when given. */
  nodeRole?: string;
  /** The gateway check (`ping`), shown in the header when configured. */
  gateway?: GatewayStatus | null;
  /** The etcd connection, for the words of an unreachable key; each key's part is in the view. */
  etcd?: EtcdConnection | null;
}

/** One node's line in a resource block, cell by cell, before the columns are aligned. */
type Row = string[];

export function formatStateFile(view: NodeView, info: StateFileInfo): string {
  const role = info.nodeRole === undefined ? '' : `, role ${info.nodeRole}`;
  const epochSeconds = Math.floor(info.writtenAt.getTime() / 1000);
  const header = [
    `hastmon on ${view.node}, pid ${info.pid}${role}, incarnation ${view.incarnation}`,
    // Epoch seconds too, so a script can tell a stale file without parsing the date.
    `written ${info.writtenAt.toISOString()} (epoch ${epochSeconds})`,
    ...(info.gateway === undefined || info.gateway === null ? [] : [gatewayLine(info.gateway)]),
  ];
  if (view.resources.length === 0) return [...header, '', 'no resources', ''].join('\n');

  // Columns are aligned across the whole file, so that resources read as one table.
  const blocks = view.resources.map((resource) => ({
    heading: [resourceLine(resource), `  reason: ${resource.reason || '-'}`, ...etcdLine(resource, info.etcd?.lastError ?? '')],
    rows: [selfRow(view.node, resource), ...resource.peers.map(peerRow)],
  }));
  const widths = columnWidths(blocks.flatMap((b) => b.rows));
  const lines = [...header];
  for (const block of blocks) {
    lines.push('', ...block.heading, ...block.rows.map((row) => `  ${align(row, widths)}`));
  }
  return `${lines.join('\n')}\n`;
}

function gatewayLine(gateway: GatewayStatus): string {
  return `gateway ${gateway.address} ${gateway.reachable === null ? 'not checked yet' : gateway.reachable ? 'reachable' : 'unreachable'}`;
}

/** One short line on the resource's etcd key, when etcd is a voter. */
function etcdLine(resource: ResourceView, lastError: string): string[] {
  if (resource.etcd === null) return [];
  return [`  etcd: ${describeEtcdKey({ ...resource.etcd, countsForMs: Math.max(0, resource.etcd.countsForMs) }, lastError)}`];
}

function resourceLine(resource: ResourceView): string {
  const offlineSec = Math.ceil(resource.offlineMs / 1000);
  const complaints = resource.complaints > 0 ? `, complaints ${resource.complaints}` : '';
  const quorum = `quorum ${resource.quorum} of ${resource.voters} voters${complaints}`;
  const forced = resource.forced ? ', forced start here (USR1 or -m)' : '';
  const offline = offlineSec > 0 ? `, offline here for ${offlineSec} s` : '';
  return `resource ${resource.name}: holder ${resource.holder || 'none'} (${quorum})${forced}${offline}`;
}

/**
 * The role as `hastmonctl status` shows it (primary while holding), and the configured one in a
 * cell of its own where it differs: one word for one fact, as in status and its JSON.
 */
function roleCells(role: PeerView['role'], state: string): string[] {
  if (role === 'unknown') return ['role unknown', ''];
  const shown = shownRoleIn(role, state);
  return [`role ${shown}`, shown === role ? '' : `configured-role ${role}`];
}

function selfRow(node: string, resource: ResourceView): Row {
  return [
    '*',
    node,
    `[${resource.state}]`,
    ...roleCells(resource.role, resource.state),
    `priority ${priorityText(resource.role, resource.priority)}`,
    'heard now',
    `vote ${resource.vote || '-'}`,
    `attempts ${resource.attempts}/${resource.maxAttempts}`,
  ];
}

function peerRow(peer: PeerView): Row {
  return [
    ' ',
    peer.node,
    `[${peer.state}]`,
    ...roleCells(peer.role, peer.state),
    `priority ${priorityText(peer.role, peer.priority)}`,
    `heard ${heardText(peer.heardAgo)}`,
    `vote ${peer.vote || '-'}`,
    peer.offline ? 'offline' : '',
  ];
}

/** Watchdogs have no priority: they never run the resource. */
function priorityText(role: string, priority: number): string {
  return role === 'watchdog' ? '-' : String(priority);
}

function heardText(ago: number | null): string {
  if (ago === null) return 'never';
  const ms = Math.max(0, ago);
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s ago`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m${Math.floor((ms % 60_000) / 1000)}s ago`;
  if (ms < 172_800_000) return `${Math.floor(ms / 3_600_000)}h ago`;
  return `${Math.floor(ms / 86_400_000)}d ago`;
}

function columnWidths(rows: Row[]): number[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return widths;
}

function align(row: Row, widths: number[]): string {
  // A column empty in every row (no configured-role anywhere) takes no room at all.
  const cells = row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).filter((_, i) => (widths[i] ?? 0) > 0);
  // The mark column is one character wide and sits against the name.
  const [mark = '', ...rest] = cells;
  return `${mark} ${rest.join('  ')}`.trimEnd();
}

/**
 * Replaces `path` with `text` so that a reader sees the old or the new content, never a mix:
 * a temporary file in the same directory, renamed over the target. Neither the file nor the
 * directory is fsynced: the file describes the running daemon, and a reader sees the renamed file
 * at once from the page cache whether or not it reached the disk. Only a crash of the whole host
 * can lose it, and then nothing needs it: the one value read back, the incarnation at the next
 * start, falls back to the wall clock, and after a reboot the peers have forgotten the old
 * incarnation anyway (a heartbeat silent for a lease no longer hides older ones). A flush on every
 * write was the largest single cost of an idle daemon. The file is left readable by all (mode 0644).
 */
export function writeFileAtomically(path: string, text: string): void {
  const directory = dirname(path);
  const temporary = join(directory, `.${basename(path)}.${process.pid}.tmp`);
  try {
    const fd = openSync(temporary, 'w', 0o644);
    try {
      // Explicitly, so that a restrictive umask does not hide the file from `watch cat`.
      fchmodSync(fd, 0o644);
      writeFileSync(fd, text);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (err) {
    try {
      unlinkSync(temporary);
    } catch {
      // Never created, or already renamed.
    }
    throw err;
  }
}
