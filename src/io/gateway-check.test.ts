import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GATEWAY_FAILURES_TO_WITHDRAW, GatewayCheck, pingArguments } from './gateway-check.js';

describe('pingArguments', () => {
  it('asks for one echo, with the wait flag of the platform', () => {
    expect(pingArguments('192.0.2.1', 'linux')).toEqual(['-n', '-c', '1', '-W', '1', '192.0.2.1']);
    expect(pingArguments('192.0.2.1', 'freebsd')).toEqual(['-n', '-c', '1', '-t', '1', '192.0.2.1']);
  });
});

describe('GatewayCheck', () => {
  const savedPath = process.env['PATH'];
  let dir = '';
  afterEach(() => {
    process.env['PATH'] = savedPath;
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  /** A stand-in ping(8) on PATH that answers as the file `answer` says; it sends nothing anywhere. */
  function fakePing(): (answers: boolean) => void {
    dir = mkdtempSync(join(tmpdir(), 'hastmon-ping-'));
    writeFileSync(join(dir, 'ping'), `#!/bin/sh\n[ -e "${dir}/answer" ] && exit 0\necho "no answer from $6" >&2\nexit 1\n`, { mode: 0o755 });
    process.env['PATH'] = `${dir}:${savedPath ?? ''}`;
    return (answers) => (answers ? writeFileSync(join(dir, 'answer'), '') : rmSync(join(dir, 'answer'), { force: true }));
  }

  it(`withdraws only after ${GATEWAY_FAILURES_TO_WITHDRAW} failed checks in a row, and comes back after one answer`, async () => {
    const answers = fakePing();
    answers(true);
    const results: Array<[boolean, string | undefined]> = [];
    const check = new GatewayCheck('192.0.2.1', (reachable, failure) => results.push([reachable, failure]), 30);
    check.start();
    const waitFor = async (n: number): Promise<void> => {
      for (let i = 0; i < 200 && results.length < n; i++) await new Promise((r) => setTimeout(r, 10));
    };
    await waitFor(2);
    answers(false);
    const before = results.length;
    await waitFor(before + GATEWAY_FAILURES_TO_WITHDRAW + 1);
    answers(true);
    await waitFor(results.length + 2);
    check.stop();
    // A check already under way when the answers stopped may still succeed: count from the first failure.
    const first = results.findIndex((r, i) => i >= before && r[1] !== undefined);
    const failing = results.slice(first, first + GATEWAY_FAILURES_TO_WITHDRAW);
    expect(failing.map(([reachable]) => reachable)).toEqual([true, true, false]);
    expect(failing[0]?.[1]).toBe('no answer from 192.0.2.1 (1 in a row)');
    expect(results.at(-1)).toEqual([true, undefined]);
  });
});
