import { closeSync, fstatSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatJournalLine } from './log.js';
import { stderrIsJournal, syslogProblem, withJournalPriorities } from './log-destination.js';

const dir = mkdtempSync(join(tmpdir(), 'hastmon-logdest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function listenOn(path: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(path, () => resolve(server));
  });
}

/** A directory holding an executable `logger` (never run). */
function pathWithLogger(): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'logger'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  return bin;
}

describe('is there a syslog to reach', () => {
  it('is, with a socket and logger(1) on PATH', async () => {
    const socket = join(dir, 'log.sock');
    const server = await listenOn(socket);
    try {
      expect(syslogProblem({ socket, path: `/nonexistent:${pathWithLogger()}` })).toBeNull();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('is not without the socket, and says which', () => {
    const socket = join(dir, 'absent.sock');
    expect(syslogProblem({ socket, path: pathWithLogger() })).toBe(`there is no syslog socket ${socket}`);
  });

  it('is not when the path is not a socket', () => {
    const file = join(dir, 'plain');
    writeFileSync(file, '');
    expect(syslogProblem({ socket: file, path: pathWithLogger() })).toBe(`${file} is not a socket`);
  });

  it('is not without logger(1) on PATH', async () => {
    const socket = join(dir, 'log2.sock');
    const server = await listenOn(socket);
    try {
      expect(syslogProblem({ socket, path: '/nonexistent' })).toBe('there is no logger(1) on PATH');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('is stderr the journal', () => {
  const fd = openSync(join(dir, 'stream'), 'w');
  const stats = fstatSync(fd, { bigint: true });
  afterAll(() => closeSync(fd));

  it('is when JOURNAL_STREAM names the very stream', () => {
    expect(stderrIsJournal({ JOURNAL_STREAM: `${stats.dev}:${stats.ino}` }, fd)).toBe(true);
  });

  it('is not when the variable was inherited but the stream redirected', () => {
    expect(stderrIsJournal({ JOURNAL_STREAM: `${stats.dev}:${stats.ino + 1n}` }, fd)).toBe(false);
  });

  it('is not without the variable, or with a garbled one', () => {
    expect(stderrIsJournal({}, fd)).toBe(false);
    expect(stderrIsJournal({ JOURNAL_STREAM: 'journal' }, fd)).toBe(false);
  });
});

describe('priorities for the journal', () => {
  it('prefixes each daemon line with its syslog severity alone', () => {
    expect(formatJournalLine('error', 'stop failed')).toBe('<3>error: stop failed\n');
    expect(formatJournalLine('warning', 'two\nlines')).toBe('<4>warning: two\\nlines\n');
    expect(formatJournalLine('notice', 'started')).toBe('<5>notice: started\n');
    expect(formatJournalLine('info', 'x')).toBe('<6>info: x\n');
    expect(formatJournalLine('debug', 'x')).toBe('<7>debug: x\n');
  });

  it("marks the command's own warnings as warnings and every other line as an error", () => {
    expect(withJournalPriorities('hastmon: warning: -n is ignored\nhastmon: a.conf:3: bad\nusage: hastmon\n')).toBe(
      '<4>hastmon: warning: -n is ignored\n<3>hastmon: a.conf:3: bad\n<3>usage: hastmon\n',
    );
  });
});
