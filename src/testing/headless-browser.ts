// A real headless browser for the tests, with no npm package: Debian's chromium, driven through the
// Chrome DevTools Protocol over a pipe (see cdp-pipe.ts). `openBrowser()` starts it with a new,
// empty profile in a temporary directory; `browser.openPage()` opens a tab that can navigate,
// evaluate expressions and wait for a condition; `browser.close()` ends it and every process it
// started, and removes the profile. Every wait is bounded and every failure says why, with the
// tail of chromium's stderr when it died.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { CdpPipe } from './cdp-pipe.js';

/**
 * Where Debian's chromium lives. The binary itself comes first: /usr/bin/chromium is a shell
 * wrapper that sources /etc/chromium.d, which exports Google API keys and adds flags
 * (`--enable-remote-extensions`, extensions to load) that these tests want none of.
 */
export const CHROMIUM_PATHS: readonly string[] = ['/usr/lib/chromium/chromium', '/usr/bin/chromium'];

/** What to tell someone whose machine has no chromium. */
export const CHROMIUM_INSTALL_HINT = 'install Debian\'s chromium (apt-get install chromium)';

/** A cold start on a loaded two-core host takes a few seconds; this is far beyond any healthy one. */
export const BROWSER_START_TIMEOUT_MS = 30_000;
/** One DevTools command: a healthy browser answers in milliseconds. */
export const COMMAND_TIMEOUT_MS = 10_000;
/** How long `close()` waits for chromium to exit after asking, and again after SIGKILL. */
const EXIT_TIMEOUT_MS = 5_000;
/** A broken pipe usually comes a few milliseconds before the exit status: wait this long for it. */
const EXIT_AFTER_BREAK_MS = 1_000;
/** How much of chromium's stderr an error message quotes. */
const STDERR_TAIL_BYTES = 2_000;

/**
 * Chromium's flags, each for a reason. Together they keep it from sending anything off this host:
 * the machine has no outside network, and tests must not try to reach one.
 *
 * Measured with chromium 156 in a network namespace whose default route led into a veth pair,
 * with the frames on the far end read: started with the flags up to `--disable-extensions` alone,
 * it asked the system resolver for accounts.google.com, clients2.google.com and
 * update.googleapis.com within 15 s of starting (about 30 frames, whatever the other `--disable-`
 * flags below); with the host resolver rule added, not one frame left the namespace during start,
 * a page load from loopback and 15 s idle. The rule is what holds: no name resolves, so nothing
 * is looked up, and background services address nothing by IP literal.
 */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--headless', // no display here
  '--no-sandbox', // the sandbox needs user namespaces or a setuid helper, often missing in containers; the pages are our own
  '--disable-gpu', // no GPU here; no probing for one
  '--disable-dev-shm-usage', // a container's /dev/shm may be 64 MB, too small for the renderer: use the temporary directory
  '--disable-quic', // no QUIC (UDP) attempts at all
  '--no-first-run', // no first-run tasks (they fetch)
  '--no-default-browser-check',
  '--disable-background-networking', // no variations, translation lists, safe-browsing updates or other background fetches
  '--disable-component-update', // no component updater checks
  '--disable-sync', // no account sync
  '--disable-extensions', // no extensions, hence none that call home
  '--disable-default-apps',
  '--disable-domain-reliability', // no network error reports to Google
  '--no-pings', // no hyperlink auditing pings
  '--metrics-recording-only', // metrics are never uploaded
  '--disable-breakpad', // no crash reporter process, no crash uploads
  '--password-store=basic', // no D-Bus keyring (gnome-keyring, kwallet) lookups
  // Every host name fails to resolve without asking the system resolver, which is not on this
  // machine; the loopback address, an IP literal, is the one exception the tests need.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
  '--remote-debugging-pipe', // DevTools on fds 3 and 4: no TCP port for others to find
];

/** The first chromium of `paths` on this machine, or undefined when there is none. */
export function findChromium(paths: readonly string[] = CHROMIUM_PATHS): string | undefined {
  return paths.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * For a test file that needs a browser: the chromium to use, or undefined when there is none, after
 * printing how to install it (the file's browser tests then skip). Under CI (`CI` set in the
 * environment, as .ci/run does) a missing chromium is an error instead: CI must run them.
 */
export function chromiumForTests(env: NodeJS.ProcessEnv = process.env, paths: readonly string[] = CHROMIUM_PATHS): string | undefined {
  const found = findChromium(paths);
  if (found !== undefined) return found;
  const missing = `no chromium at ${paths.join(' or ')}`;
  if (env['CI'] !== undefined && env['CI'] !== '') throw new Error(`${missing}, and CI must run the browser tests: ${CHROMIUM_INSTALL_HINT}`);
  console.warn(`skipping the browser tests: ${missing}; to run them, ${CHROMIUM_INSTALL_HINT}`);
  return undefined;
}

export interface BrowserOptions {
  /** The chromium binary; by default the first of CHROMIUM_PATHS that exists. */
  executable?: string;
  startTimeoutMs?: number;
  commandTimeoutMs?: number;
  /** Where the temporary profile directory goes; the system's temporary directory by default. */
  tempDir?: string;
}

export interface WaitOptions {
  timeoutMs: number;
  /** Time between two evaluations; 50 ms by default. */
  intervalMs?: number;
  /** What is waited for, in words, for the error message; the expression by default. */
  description?: string;
}

/** Starts chromium and waits until it answers over DevTools; rejects after `startTimeoutMs`. */
export async function openBrowser(options: BrowserOptions = {}): Promise<HeadlessBrowser> {
  const executable = options.executable ?? findChromium();
  if (executable === undefined) throw new Error(`no chromium found at ${CHROMIUM_PATHS.join(' or ')}: ${CHROMIUM_INSTALL_HINT}`);
  const browser = new HeadlessBrowser(executable, options.commandTimeoutMs ?? COMMAND_TIMEOUT_MS, options.tempDir ?? tmpdir());
  try {
    await browser.started(options.startTimeoutMs ?? BROWSER_START_TIMEOUT_MS);
  } catch (error) {
    await browser.close();
    throw error;
  }
  return browser;
}

export class HeadlessBrowser {
  /** The new, empty profile directory, removed by close(). */
  readonly profileDir: string;
  readonly pid: number;
  private readonly child: ChildProcess;
  private readonly pipe: CdpPipe;
  private readonly exited: Promise<void>;
  private exitStatus: string | undefined;
  private stderrTail = '';
  private closing: Promise<void> | undefined;
  private readonly killOnExit = (): void => this.killGroup();

  constructor(
    readonly executable: string,
    private readonly commandTimeoutMs: number,
    tempDir: string,
  ) {
    this.profileDir = mkdtempSync(join(tempDir, 'hastmon-chromium-'));
    // A home of its own too: chromium writes ~/.pki and caches under HOME and XDG_*, and the
    // environment carries nothing else of ours (no API keys, no proxy settings).
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: this.profileDir,
      XDG_CONFIG_HOME: join(this.profileDir, 'config'),
      XDG_CACHE_HOME: join(this.profileDir, 'cache'),
      TMPDIR: this.profileDir,
      LANG: 'C.UTF-8',
    };
    const args = [...CHROMIUM_FLAGS, `--user-data-dir=${join(this.profileDir, 'profile')}`, 'about:blank'];
    // A process group of its own (detached), so that close() can end the renderers and helpers
    // chromium starts, by the group's id, and nothing else.
    this.child = spawn(executable, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'] });
    this.pid = this.child.pid ?? -1;
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitStatus = signal !== null ? `killed by ${signal}` : `exit status ${String(code)}`;
        resolve();
      });
      this.child.once('error', (error) => {
        this.exitStatus = `could not start ${executable}: ${error.message}`;
        resolve();
      });
    });
    const keepTail = (chunk: Buffer): void => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    };
    this.child.stdout?.on('data', keepTail);
    this.child.stderr?.on('data', keepTail);
    const [, , , toBrowser, fromBrowser] = this.child.stdio;
    if (toBrowser === null || toBrowser === undefined || fromBrowser === null || fromBrowser === undefined) {
      throw new Error(`could not open the DevTools pipe to ${executable}`);
    }
    this.pipe = new CdpPipe(toBrowser as Writable, fromBrowser as Readable);
    void this.exited.then(() => this.pipe.fail(new Error('chromium ended')));
    if (this.pid > 0) process.once('exit', this.killOnExit);
  }

  /** The browser's fate so far and the end of what it printed, for error messages. */
  describe(): string {
    const status = this.exitStatus ?? `pid ${this.pid} running`;
    const tail = this.stderrTail.trim();
    return tail === '' ? `${status}, nothing on stderr` : `${status}; stderr ends with:\n${tail}`;
  }

  /** Chromium exited, or close() was called: no command can succeed any more. */
  get ended(): boolean {
    return this.exitStatus !== undefined || this.closing !== undefined;
  }

  /** Resolves once the browser answers a first command. */
  async started(timeoutMs: number): Promise<void> {
    await this.command('Browser.getVersion', {}, { timeoutMs });
  }

  /** Opens a new tab on about:blank. */
  async openPage(): Promise<BrowserPage> {
    const target = await this.command('Target.createTarget', { url: 'about:blank' });
    const targetId = String(target['targetId']);
    const attached = await this.command('Target.attachToTarget', { targetId, flatten: true });
    return new BrowserPage(this, targetId, String(attached['sessionId']));
  }

  /** Sends one DevTools command, to the browser or to a tab's session. */
  async command(method: string, params: Record<string, unknown>, options: { sessionId?: string; timeoutMs?: number } = {}): Promise<Record<string, unknown>> {
    const send: { sessionId?: string; timeoutMs: number } = { timeoutMs: options.timeoutMs ?? this.commandTimeoutMs };
    if (options.sessionId !== undefined) send.sessionId = options.sessionId;
    try {
      return await this.pipe.send(method, params, send);
    } catch (error) {
      // Say what became of chromium: its exit status, which follows a broken pipe closely, and stderr.
      if (this.pipe.broken && this.closing === undefined) await this.exitsWithin(EXIT_AFTER_BREAK_MS);
      throw new Error(`${(error as Error).message} (chromium: ${this.describe()})`);
    }
  }

  /**
   * Ends the browser: asks it to close, kills its process group when it does not exit in time,
   * and removes the profile. Safe to call more than once; never rejects.
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    if (this.exitStatus === undefined) {
      // Browser.close may go unanswered: the browser exits while answering.
      await this.pipe.send('Browser.close', {}, { timeoutMs: EXIT_TIMEOUT_MS }).catch(() => undefined);
      if (!(await this.exitsWithin(EXIT_TIMEOUT_MS))) {
        this.killGroup();
        await this.exitsWithin(EXIT_TIMEOUT_MS);
      }
    }
    // Helpers that outlived the main process (a renderer, the zygote) go with their group.
    this.killGroup();
    process.removeListener('exit', this.killOnExit);
    this.pipe.fail(new Error('the browser was closed'));
    for (const stream of [this.child.stdout, this.child.stderr, this.child.stdio[3], this.child.stdio[4]]) stream?.destroy();
    rmSync(this.profileDir, { recursive: true, force: true, maxRetries: 3 });
  }

  private async exitsWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const exited = await Promise.race([this.exited.then(() => true), late]);
    clearTimeout(timer);
    return exited;
  }

  /** SIGKILL to chromium's process group, whose id is the pid of the process started here. */
  private killGroup(): void {
    if (this.pid <= 0) return;
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {
      // The group is empty: everything has exited.
    }
  }
}

/** One tab, attached through its own DevTools session. */
export class BrowserPage {
  constructor(
    private readonly browser: HeadlessBrowser,
    readonly targetId: string,
    private readonly sessionId: string,
  ) {}

  /** Loads `url` and waits until the document is complete. */
  async navigate(url: string, timeoutMs = COMMAND_TIMEOUT_MS): Promise<void> {
    const result = await this.browser.command('Page.navigate', { url }, { sessionId: this.sessionId, timeoutMs });
    const errorText = result['errorText'];
    if (typeof errorText === 'string' && errorText !== '') throw new Error(`loading ${url} failed: ${errorText}`);
    // The browser spells the URL in its normal form (`http://127.0.0.1:80` becomes `http://127.0.0.1/`).
    const href = new URL(url).href;
    await this.waitFor(`location.href === ${JSON.stringify(href)} && document.readyState === 'complete'`, { timeoutMs, description: `${href} to load` });
  }

  /** The value of `expression` in the page (awaited when it is a promise); an exception in the page rejects. */
  async evaluate<T = unknown>(expression: string, timeoutMs?: number): Promise<T> {
    const options: { sessionId: string; timeoutMs?: number } = { sessionId: this.sessionId };
    if (timeoutMs !== undefined) options.timeoutMs = timeoutMs;
    const answer = await this.browser.command('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true }, options);
    const thrown = answer['exceptionDetails'] as { text?: string; exception?: { description?: string } } | undefined;
    if (thrown !== undefined) throw new Error(`evaluating ${expression} threw: ${thrown.exception?.description ?? thrown.text ?? 'an exception'}`);
    const result = answer['result'] as { value?: unknown } | undefined;
    return result?.value as T;
  }

  /** The text the page shows, as a reader sees it (hidden elements left out). */
  text(): Promise<string> {
    return this.evaluate<string>('document.body ? document.body.innerText : ""');
  }

  /**
   * Evaluates `expression` until its value is truthy, and returns that value; rejects after
   * `timeoutMs` with the last value and the start of the page's text.
   */
  async waitFor<T = unknown>(expression: string, options: WaitOptions): Promise<T> {
    const interval = Math.max(10, options.intervalMs ?? 50);
    const deadline = Date.now() + options.timeoutMs;
    let last: unknown;
    let lastError: Error | undefined;
    for (;;) {
      const left = deadline - Date.now();
      try {
        last = await this.evaluate<T>(expression, Math.max(1, left));
        lastError = undefined;
        if (last) return last as T;
      } catch (error) {
        lastError = error as Error;
        // The browser itself is gone: waiting longer cannot help.
        if (this.browser.ended) throw lastError;
      }
      if (Date.now() + interval > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
    const shown = await this.text().then(
      (text) => text.slice(0, 1_000),
      () => '(unreadable)',
    );
    const why = lastError !== undefined ? `last error: ${lastError.message}` : `last value: ${JSON.stringify(last)}`;
    throw new Error(`waited ${options.timeoutMs} ms for ${options.description ?? expression}; ${why}; the page shows:\n${shown}`);
  }

  /** Waits until the page's text contains `wanted`, and returns that text. */
  waitForText(wanted: string, options: WaitOptions): Promise<string> {
    const expression = `(() => { const t = document.body ? document.body.innerText : ''; return t.includes(${JSON.stringify(wanted)}) ? t : ''; })()`;
    return this.waitFor<string>(expression, { description: `the text ${JSON.stringify(wanted)}`, ...options });
  }

  async close(): Promise<void> {
    await this.browser.command('Target.closeTarget', { targetId: this.targetId });
  }
}
