// One daemon per pid file (DESIGN §8): a live owner is refused, a stale file is taken over.
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';

export type PidFileResult =
  | {
      ok: true;
      /** Removes the file if it still names our pid. */
      release(): void;
      /** Set when a stale or unreadable pid file was replaced: worth a log line. */
      note?: string;
    }
  | { ok: false; message: string; otherPid?: number };

/** A file that vanishes between our attempts (its owner just left) is tried again, this often. */
const ATTEMPTS = 3;
/** Larger numbers are not pids anywhere: the file is garbage. */
const MAX_PID = 0x7fffffff;

export function acquirePidFile(path: string, pid: number): PidFileResult {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    try {
      if (createExclusively(path, pid)) return held(path, pid);
    } catch (err) {
      return { ok: false, message: `cannot create pid file ${path}: ${describe(err)}` };
    }
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      // The owner removed it between our create and our read: try again.
      if (errorCode(err) === 'ENOENT') continue;
      return { ok: false, message: `cannot read pid file ${path}: ${describe(err)}` };
    }
    const otherPid = parsePid(text);
    if (otherPid !== undefined && otherPid !== pid && isAlive(otherPid)) {
      return { ok: false, message: `hastmon already running as pid ${otherPid} (pid file ${path})`, otherPid };
    }
    try {
      replaceAtomically(path, pid);
    } catch (err) {
      return { ok: false, message: `cannot replace pid file ${path}: ${describe(err)}` };
    }
    return { ...held(path, pid), note: staleNote(path, pid, otherPid) };
  }
  return { ok: false, message: `cannot take pid file ${path}: it keeps appearing and disappearing` };
}

function staleNote(path: string, pid: number, otherPid: number | undefined): string {
  if (otherPid === undefined) return `pid file ${path} did not hold a pid; replaced it`;
  if (otherPid === pid) return `pid file ${path} already named this process (pid ${pid}), a leftover; replaced it`;
  return `pid file ${path} named pid ${otherPid}, which is not running; replaced it`;
}

function held(path: string, pid: number): { ok: true; release(): void } {
  return {
    ok: true,
    release: () => {
      try {
        if (parsePid(readFileSync(path, 'utf8')) === pid) unlinkSync(path);
      } catch {
        // Already gone or unreadable: nothing of ours to remove.
      }
    },
  };
}

/**
 * Creates the file with its content in one step, false if it exists: the content goes into a
 * private temporary file first, then link() puts it in place only if nothing is there. A plain
 * O_EXCL create would let another daemon read the file empty in between and take it for garbage.
 */
function createExclusively(path: string, pid: number): boolean {
  const temporary = writeTemporary(path, pid);
  try {
    linkSync(temporary, path);
    return true;
  } catch (err) {
    if (errorCode(err) === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkQuietly(temporary);
  }
}

function replaceAtomically(path: string, pid: number): void {
  const temporary = writeTemporary(path, pid);
  try {
    renameSync(temporary, path);
  } finally {
    unlinkQuietly(temporary);
  }
}

/** Writes our pid into `<path>.<pid>.tmp`, replacing any leftover of an earlier run. */
function writeTemporary(path: string, pid: number): string {
  const temporary = `${path}.${pid}.tmp`;
  unlinkQuietly(temporary);
  writeFileSync(temporary, `${pid}\n`, { mode: 0o644, flag: 'wx' });
  return temporary;
}

function parsePid(text: string): number | undefined {
  const match = /^\s*(\d{1,10})\s*$/.exec(text);
  if (match?.[1] === undefined) return undefined;
  const pid = Number(match[1]);
  return pid > 0 && pid <= MAX_PID ? pid : undefined;
}

/** EPERM means the process exists but belongs to someone else: still alive. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errorCode(err) === 'EPERM';
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Not there: nothing to clean.
  }
}

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
