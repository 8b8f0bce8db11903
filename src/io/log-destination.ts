// Where the daemon's messages can go on this host: is there a syslog to reach (a socket for
// logger(1), and logger itself), and is stderr the systemd journal's stream?
import { accessSync, constants, fstatSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Where util-linux logger(1) sends its lines. */
export const SYSLOG_SOCKET = '/dev/log';

/** syslog(3) severities of the two kinds of line the hastmon command itself writes to stderr. */
const WARNING_SEVERITY = 4;
const ERROR_SEVERITY = 3;

function onPath(command: string, path: string): boolean {
  return path
    .split(':')
    .filter((dir) => dir !== '')
    .some((dir) => {
      try {
        accessSync(join(dir, command), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

/** Why the background log cannot reach syslog here, or null when it can. */
export function syslogProblem(options: { socket?: string; path?: string } = {}): string | null {
  const socket = options.socket ?? SYSLOG_SOCKET;
  try {
    if (!statSync(socket).isSocket()) return `${socket} is not a socket`;
  } catch {
    return `there is no syslog socket ${socket}`;
  }
  if (!onPath('logger', options.path ?? process.env['PATH'] ?? '')) return 'there is no logger(1) on PATH';
  return null;
}

/**
 * systemd sets JOURNAL_STREAM to the device and inode of the stream it gave the service as
 * stderr. A process that inherited the variable but not the stream (stderr redirected since)
 * must not take it for the journal (systemd.exec(5)).
 */
export function stderrIsJournal(env: NodeJS.ProcessEnv = process.env, fd = 2): boolean {
  const match = /^(\d+):(\d+)$/.exec(env['JOURNAL_STREAM'] ?? '');
  if (match === null) return false;
  try {
    const stats = fstatSync(fd, { bigint: true });
    return String(stats.dev) === match[1] && String(stats.ino) === match[2];
  } catch {
    return false;
  }
}

/**
 * The hastmon command's own stderr text for the journal: each line prefixed with its `<N>`
 * priority, warnings (`hastmon: warning: …`) as warnings, everything else (refusals, errors) as
 * errors, so that `journalctl -p err` shows why a start failed.
 */
export function withJournalPriorities(text: string): string {
  return text.replace(/^(?=.)/gm, (_match, offset: number) =>
    text.startsWith('hastmon: warning: ', offset) ? `<${WARNING_SEVERITY}>` : `<${ERROR_SEVERITY}>`,
  );
}
