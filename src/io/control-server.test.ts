import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { link } from 'node:fs/promises';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sendRequest } from './control-client.js';
import { MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES, type ControlRequest, type ControlResponse, type StatusDocument } from './control-protocol.js';
import { ControlServer, type ControlHandler, type ControlServerOptions } from './control-server.js';

const STATUS: StatusDocument = {
  node: 'lolek',
  pid: 4242,
  incarnation: 1_790_000_000_000,
  time: '2026-11-22T12:00:00.000Z',
  gateway: null,
  etcd: null,
  resources: [],
  drops: [],
};

let dir: string;
let path: string;
let servers: ControlServer[];
let logged: string[];

const log = {
  debug: (message: string): void => void logged.push(`debug: ${message}`),
  warning: (message: string): void => void logged.push(`warning: ${message}`),
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hastmon-control-'));
  path = join(dir, 'hastmonctl');
  servers = [];
  logged = [];
});

afterEach(async () => {
  for (const server of servers) await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Answers status with STATUS, refuses the resource 'nfs' with 65, records every request. */
function fakeHandler(seen: ControlRequest[] = []): ControlHandler {
  return async (request) => {
    seen.push(request);
    if (request.command === 'status') return { ok: true, status: STATUS };
    if ('resources' in request && request.resources !== 'all' && request.resources.includes('nfs')) {
      return { ok: false, exitCode: 65, message: "no resource 'nfs'" };
    }
    return { ok: true, message: `${request.command} done` };
  };
}

async function started(handler: ControlHandler = fakeHandler(), options: ControlServerOptions = {}): Promise<ControlServer> {
  const server = new ControlServer(path, handler, log, options);
  await server.start();
  servers.push(server);
  return server;
}

/** Clients the newest server holds now, being answered or idle. */
function servedCount(): number {
  return servers[servers.length - 1]?.connectedClients() ?? 0;
}

/** Polls `condition` until it holds, failing after a generous bound. */
async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Sends raw bytes, returns everything the server wrote before closing. */
function raw(data: string | Buffer, endAfter = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    const chunks: Buffer[] = [];
    socket.on('connect', () => (endAfter ? socket.end(data) : socket.write(data)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function listenOn(server: Server, at: string): Promise<void> {
  return new Promise((resolve) => server.listen(at, resolve));
}

function closed(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A socket file nobody listens on, as a daemon killed with SIGKILL leaves behind. */
async function staleSocketAt(at: string): Promise<void> {
  const holder = createServer();
  const bound = join(dir, 'bound');
  await listenOn(holder, bound);
  await link(bound, at);
  // Closing removes only the name it was bound to; `at` stays, with nobody listening.
  await closed(holder);
}

describe('ControlServer: requests and answers', () => {
  it('answers status and passes every request to the handler as parsed', async () => {
    const seen: ControlRequest[] = [];
    await started(fakeHandler(seen));
    expect(await sendRequest(path, { command: 'status', resources: 'all' }, 2_000)).toEqual({ ok: true, status: STATUS });
    expect(await sendRequest(path, { command: 'role', role: 'primary', resources: ['daemon'] }, 2_000)).toEqual({ ok: true, message: 'role done' });
    expect(await sendRequest(path, { command: 'offline', resources: 'all' }, 2_000)).toEqual({ ok: true, message: 'offline done' });
    expect(seen).toEqual([
      { command: 'status', resources: 'all' },
      { command: 'role', role: 'primary', resources: ['daemon'] },
      { command: 'offline', resources: 'all' },
    ]);
  });

  it("carries the daemon's refusal and its exit status", async () => {
    await started();
    expect(await sendRequest(path, { command: 'clear', resources: ['nfs'] }, 2_000)).toEqual({
      ok: false,
      exitCode: 65,
      message: "no resource 'nfs'",
    });
  });

  it('turns a failing handler into an internal error and keeps serving', async () => {
    let calls = 0;
    await started(async () => {
      calls += 1;
      if (calls === 1) throw new Error('boom');
      return { ok: true };
    });
    expect(await sendRequest(path, { command: 'reload' }, 2_000)).toEqual({ ok: false, exitCode: 70, message: 'internal error: boom' });
    expect(await sendRequest(path, { command: 'reload' }, 2_000)).toEqual({ ok: true });
    expect(logged).toContain('warning: control socket: reload failed: boom');
  });

  it('refuses an answer too large to send, with an error the client can read', async () => {
    await started(async () => ({ ok: true, message: 'x'.repeat(MAX_RESPONSE_BYTES) }));
    expect(await sendRequest(path, { command: 'reload' }, 2_000)).toEqual({
      ok: false,
      exitCode: 70,
      message: `internal error: the answer is larger than ${MAX_RESPONSE_BYTES} bytes`,
    });
  });

  it('answers garbage with a protocol error and keeps serving', async () => {
    await started();
    const answer = JSON.parse(await raw('hello\n')) as ControlResponse;
    expect(answer).toEqual({ ok: false, exitCode: 76, message: 'bad request: request is not JSON' });
    const wrong = JSON.parse(await raw('{"command":"role","role":"boss","resources":"all"}\n')) as ControlResponse;
    expect(wrong).toMatchObject({ ok: false, exitCode: 76, message: expect.stringContaining('request.role') });
    expect(await sendRequest(path, { command: 'status', resources: 'all' }, 2_000)).toMatchObject({ ok: true });
  });

  it('refuses an oversized request without reading it all', async () => {
    await started();
    const answer = await raw(Buffer.alloc(MAX_REQUEST_BYTES * 4, 0x61));
    expect(JSON.parse(answer)).toEqual({ ok: false, exitCode: 76, message: `bad request: larger than ${MAX_REQUEST_BYTES} bytes` });
  });

  it('takes a request without its newline when the client ends its side', async () => {
    await started();
    const answer = await raw('{"command":"status","resources":"all"}', true);
    expect(answer.endsWith('\n')).toBe(true);
    expect(JSON.parse(answer)).toEqual({ ok: true, status: STATUS });
  });

  it('serves many clients at once', async () => {
    let inFlight = 0;
    let most = 0;
    await started(async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inFlight -= 1;
      return { ok: true, status: STATUS };
    });
    const answers = await Promise.all(Array.from({ length: 40 }, () => sendRequest(path, { command: 'status', resources: 'all' }, 5_000)));
    expect(answers.every((a) => 'ok' in a && a.ok)).toBe(true);
    expect(most).toBeGreaterThan(1);
  });

  it('drops a client that sends nothing once the request time is up', async () => {
    await started(fakeHandler(), { requestTimeoutMs: 150 });
    const begun = Date.now();
    expect(await raw('')).toBe('');
    const waited = Date.now() - begun;
    expect(waited).toBeGreaterThanOrEqual(140);
    expect(waited).toBeLessThan(2_000);
    expect(logged).toContain('debug: control socket: no complete request within 150 ms; client dropped');
  });

  it('drops a client that never finishes its line', async () => {
    await started(fakeHandler(), { requestTimeoutMs: 150 });
    expect(await raw('{"command":"sta')).toBe('');
  });

  it('drops the oldest idle client to admit a new one, and logs that once per interval with a count', async () => {
    await started(fakeHandler(), { maxClients: 2, requestTimeoutMs: 30_000 });
    const first = raw('');
    const second = raw('{"command":"sta');
    await waitUntil(() => servedCount() === 2);
    expect(await sendRequest(path, { command: 'status', resources: 'all' }, 2_000)).toMatchObject({ ok: true });
    expect(await first).toBe('');
    expect(await sendRequest(path, { command: 'status', resources: 'all' }, 2_000)).toMatchObject({ ok: true });
    expect(await second).toBe('');
    const full = logged.filter((line) => line.includes('2 clients at once; the oldest idle one was dropped'));
    expect(full).toHaveLength(1);
  });

  it('tells a new client plainly that it is busy when every place is being answered', async () => {
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await started(
      async () => {
        await held;
        return { ok: true, status: STATUS };
      },
      { maxClients: 1 },
    );
    const slow = sendRequest(path, { command: 'status', resources: 'all' }, 5_000);
    await waitUntil(() => servedCount() === 1);
    expect(await sendRequest(path, { command: 'status', resources: 'all' }, 2_000)).toEqual({
      ok: false,
      exitCode: 75,
      message: 'busy: hastmon is answering 1 requests at once; try again in a moment',
    });
    release();
    expect(await slow).toMatchObject({ ok: true });
    expect(logged.filter((line) => line.includes('told the daemon is busy'))).toHaveLength(1);
  });

  it('logs bad requests at most once per interval, counting the others into the next line', async () => {
    let now = 0;
    await started(fakeHandler(), { warningIntervalMs: 10_000, now: () => now });
    for (let i = 0; i < 5; i += 1) await raw('hello\n');
    now = 10_000;
    await raw('hello\n');
    expect(logged.filter((line) => line.startsWith('warning:'))).toEqual([
      'warning: control socket: bad request: request is not JSON',
      'warning: control socket: bad request: request is not JSON (4 more since the last such line)',
    ]);
  });
});

describe('ControlServer: the socket file', () => {
  it('is a socket of mode 0600, with nothing else left in the directory', async () => {
    await started();
    const stats = lstatSync(path);
    expect(stats.isSocket()).toBe(true);
    expect(stats.mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['hastmonctl']);
  });

  it('is removed at close, and then nobody answers', async () => {
    const server = await started();
    await server.close();
    expect(readdirSync(dir)).toEqual([]);
    expect(await sendRequest(path, { command: 'status', resources: 'all' }, 2_000)).toEqual({
      transportError: 'not-running',
      message: `hastmon is not running (no daemon at ${path})`,
    });
    await server.close();
  });

  it("is not removed at close when it is no longer ours", async () => {
    const server = await started();
    unlinkSync(path);
    writeFileSync(path, 'someone else\n');
    await server.close();
    expect(readFileSync(path, 'utf8')).toBe('someone else\n');
  });

  it("replaces a dead daemon's socket", async () => {
    await staleSocketAt(path);
    expect(lstatSync(path).isSocket()).toBe(true);
    await started();
    expect(await sendRequest(path, { command: 'status', resources: 'all' }, 2_000)).toMatchObject({ ok: true });
  });

  it('refuses to start while another daemon answers on the socket, leaving it alone', async () => {
    const first = await started();
    const second = new ControlServer(path, fakeHandler(), log);
    await expect(second.start()).rejects.toThrow(`another hastmon is running: its control socket ${path} answers`);
    expect(await sendRequest(path, { command: 'status', resources: 'all' }, 2_000)).toMatchObject({ ok: true });
    expect(readdirSync(dir)).toEqual(['hastmonctl']);
    await first.close();
  });

  it('refuses a file that is not a socket and leaves it untouched', async () => {
    writeFileSync(path, 'precious\n');
    const server = new ControlServer(path, fakeHandler(), log);
    await expect(server.start()).rejects.toThrow(`${path} exists and is not a socket: not removing it`);
    expect(readFileSync(path, 'utf8')).toBe('precious\n');
    expect(readdirSync(dir)).toEqual(['hastmonctl']);
  });

  it('says why when the directory does not exist', async () => {
    const server = new ControlServer(join(dir, 'missing', 'hastmonctl'), fakeHandler(), log);
    await expect(server.start()).rejects.toThrow(/^cannot create the control socket .*missing\/hastmonctl: ENOENT/);
  });
});
