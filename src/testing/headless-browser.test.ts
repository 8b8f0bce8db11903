// The headless-browser helper against Debian's chromium: it reads a loopback page, evaluates
// expressions, waits with a bound, never resolves a host name, reports a dead browser with its
// stderr, and leaves no process or directory behind. One browser for the file; the tests that end
// a browser start their own.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { chromiumForTests, openBrowser, type BrowserPage, type HeadlessBrowser } from './headless-browser.js';

const chromium = chromiumForTests();

/** Pids of the processes in process group `group`, from /proc. */
function processesInGroup(group: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === group && fields[0] !== 'Z') found.push(Number(entry));
    } catch {
      // Gone while we looked.
    }
  }
  return found;
}

describe('chromiumForTests', () => {
  it('under CI, a missing chromium is an error that says how to install it', () => {
    expect(() => chromiumForTests({ CI: 'true' }, ['/nonexistent/chromium'])).toThrow(/apt-get install chromium/);
  });

  it('elsewhere, a missing chromium skips with a notice that says how to install it', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      expect(chromiumForTests({}, ['/nonexistent/chromium'])).toBeUndefined();
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/skipping the browser tests.*apt-get install chromium/));
    } finally {
      warn.mockRestore();
    }
  });
});

describe.skipIf(chromium === undefined)('a headless chromium', () => {
  let dir: string;
  let server: http.Server;
  let origin: string;
  let browser: HeadlessBrowser;
  let page: BrowserPage;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hastmon-browser-test-'));
    server = http.createServer((request, response) => {
      response.setHeader('content-type', 'text/html; charset=utf-8');
      response.end(`<!doctype html><title>t</title><p id="p">asked for <b>${request.url === '/' ? 'the root' : 'another page'}</b></p>`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await openBrowser({ tempDir: dir });
    page = await browser.openPage();
  });

  afterAll(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads a page from loopback and reads its text and values', async () => {
    await page.navigate(origin); // without the path's slash, which the browser adds
    expect(await page.text()).toBe('asked for the root');
    expect(await page.evaluate('document.getElementById("p").children.length')).toBe(1);
    expect(await page.evaluate('Promise.resolve({ a: [1, "two"] })')).toEqual({ a: [1, 'two'] });
  });

  it('turns an exception in the page into a rejection that quotes it', async () => {
    await expect(page.evaluate('(() => { throw new Error("page says no"); })()')).rejects.toThrow(/page says no/);
  });

  it('waits for a condition that becomes true, and gives up with the page text on one that does not', async () => {
    await page.evaluate('setTimeout(() => { document.title = "later"; }, 200), 0');
    expect(await page.waitFor('document.title === "later" && document.title', { timeoutMs: 10_000 })).toBe('later');
    const started = Date.now();
    await expect(page.waitFor('document.title === "never"', { timeoutMs: 300 })).rejects.toThrow(/waited 300 ms for .*never.*last value: false.*asked for the root/s);
    // Far beyond 300 ms, so that a loaded host cannot break it, yet far below any unbounded wait.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('resolves no host name at all: localhost fails, 127.0.0.1 loads', async () => {
    const port = new URL(origin).port;
    await expect(page.navigate(`http://localhost:${port}/`)).rejects.toThrow(/ERR_NAME_NOT_RESOLVED/);
    await page.navigate(`${origin}/other`);
    expect(await page.text()).toBe('asked for another page');
  });

  it('closes: no process of its group is left, and its profile directory is gone', async () => {
    const own = await openBrowser({ tempDir: dir });
    const opened = await own.openPage();
    await opened.navigate(`${origin}/`);
    // Chromium runs helpers (zygotes, the network service, a renderer) in its group.
    expect(processesInGroup(own.pid).length).toBeGreaterThan(1);
    await own.close();
    expect(processesInGroup(own.pid)).toEqual([]);
    expect(readdirSync(dir)).not.toContain(own.profileDir.slice(dir.length + 1));
    await expect(opened.text()).rejects.toThrow(/closed/);
  });

  it('says how chromium died, with the end of its stderr, when it is killed', async () => {
    const own = await openBrowser({ tempDir: dir });
    try {
      const opened = await own.openPage();
      process.kill(own.pid, 'SIGKILL');
      await expect(opened.waitFor('false', { timeoutMs: 10_000 })).rejects.toThrow(/killed by SIGKILL/);
    } finally {
      await own.close();
    }
    expect(processesInGroup(own.pid)).toEqual([]);
  });

  it('reports a program that is not a browser, with its stderr, and leaves nothing behind', async () => {
    const before = readdirSync(dir);
    await expect(openBrowser({ executable: '/bin/sleep', tempDir: dir })).rejects.toThrow(/exit status 1.*unrecognized option/s);
    await expect(openBrowser({ executable: join(dir, 'no-such-browser'), tempDir: dir })).rejects.toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual(before);
  });
});
