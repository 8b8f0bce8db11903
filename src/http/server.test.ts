import { request } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HTTP_LIMITS, HttpServer, type HttpLimits } from './server.js';
import { statusRoutes } from './routes.js';
import { STATUS_PAGE_CONTENT_TYPE, STATUS_PAGE_CSP, STATUS_PAGE_HTML } from './status-page.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function fetchFrom(port: number, path: string, method = 'GET', headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.setTimeout(5_000, () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', reject);
    req.end();
  });
}

/** What a raw TCP client gets back for `text`, until the server closes the connection (5 s at most). */
function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let got = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connection still open after 5 s; got ${JSON.stringify(got)}`));
    }, 5_000);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (got += chunk));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    socket.on('error', () => undefined);
  });
}

const servers: HttpServer[] = [];
const logged: string[] = [];

async function serve(options: { limits?: HttpLimits; failing?: boolean } = {}): Promise<number> {
  const server = new HttpServer({
    host: '127.0.0.1',
    port: 0,
    routes: statusRoutes({
      metrics: () => {
        if (options.failing === true) throw new Error('boom');
        return '# HELP hastmon_x x\n# TYPE hastmon_x gauge\nhastmon_x 1\n';
      },
      status: () => ({ node: 'lolek', resources: [] }),
      events: () => ({ events: [] }),
    }),
    log: (level, key, message) => logged.push(`${level} ${key} ${message}`),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
  });
  await server.start();
  servers.push(server);
  return server.port();
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  logged.length = 0;
});

describe('HttpServer', () => {
  it('serves /metrics in the exposition format and /status.json as JSON, GET and HEAD alike', async () => {
    const port = await serve();
    const metrics = await fetchFrom(port, '/metrics');
    expect(metrics).toMatchObject({ status: 200, body: '# HELP hastmon_x x\n# TYPE hastmon_x gauge\nhastmon_x 1\n' });
    expect(metrics.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const status = await fetchFrom(port, '/status.json?pretty');
    expect(status.status).toBe(200);
    expect(status.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(status.body).toBe(`${JSON.stringify({ node: 'lolek', resources: [] }, null, 2)}\n`);
    const head = await fetchFrom(port, '/metrics', 'HEAD');
    expect(head).toMatchObject({ status: 200, body: '' });
    expect(head.headers['content-length']).toBe(metrics.headers['content-length']);
  });

  it('answers 405 with Allow to anything but GET and HEAD, and 404 to unknown paths', async () => {
    const port = await serve();
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const answer = await fetchFrom(port, '/metrics', method);
      expect([method, answer.status, answer.headers['allow']]).toEqual([method, 405, 'GET, HEAD']);
    }
    for (const path of ['/nothing', '/metrics/', '/index.html', '//', '/constructor', '/__proto__']) {
      expect([path, (await fetchFrom(port, path)).status]).toEqual([path, 404]);
    }
  });

  it('serves /events.json, and the status page with its Content-Security-Policy also as a header', async () => {
    const port = await serve();
    expect(await fetchFrom(port, '/events.json')).toMatchObject({ status: 200, body: '{\n  "events": []\n}\n' });
    const page = await fetchFrom(port, '/');
    expect(page).toMatchObject({ status: 200, body: STATUS_PAGE_HTML });
    expect(page.headers['content-type']).toBe(STATUS_PAGE_CONTENT_TYPE);
    expect(page.headers['content-security-policy']).toBe(`${STATUS_PAGE_CSP}; frame-ancestors 'none'`);
  });

  it('answers 500, and logs, when a page cannot be rendered; the server keeps serving', async () => {
    const port = await serve({ failing: true });
    expect((await fetchFrom(port, '/metrics')).status).toBe(500);
    expect(logged).toEqual(['error render:/metrics http: cannot render /metrics: boom']);
    expect((await fetchFrom(port, '/status.json')).status).toBe(200);
  });

  it('refuses a GET with a body, headers too large and garbage, and closes those connections', async () => {
    const port = await serve();
    expect((await fetchFrom(port, '/metrics', 'GET', { 'content-length': '3' })).status).toBe(400);
    const big = await raw(port, `GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(HTTP_LIMITS.maxHeaderBytes)}\r\n\r\n`);
    expect(big.startsWith('HTTP/1.1 431 ')).toBe(true);
    expect((await raw(port, 'NONSENSE\r\n\r\n')).startsWith('HTTP/1.1 400 ')).toBe(true);
    expect(logged.every((line) => line.startsWith('debug client:'))).toBe(true);
  });

  it('closes a client that does not finish its request in time, and an idle keep-alive connection', async () => {
    const limits: HttpLimits = { ...HTTP_LIMITS, requestTimeoutMs: 300, keepAliveTimeoutMs: 300 };
    const port = await serve({ limits });
    const began = Date.now();
    const slow = await raw(port, 'GET /metrics HTTP/1.1\r\nHost: x\r\n');
    expect(slow === '' || slow.startsWith('HTTP/1.1 408 ')).toBe(true);
    const idle = await raw(port, 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(idle.startsWith('HTTP/1.1 200 OK')).toBe(true);
    // Both closed by the server (raw() fails after 5 s otherwise); node checks timeouts about once a second.
    expect(Date.now() - began).toBeLessThan(5_000);
  });

  it('holds at most maxConnections at once', async () => {
    const port = await serve({ limits: { ...HTTP_LIMITS, maxConnections: 2 } });
    const held = await Promise.all([0, 1].map(() => new Promise<ReturnType<typeof connect>>((resolve) => {
      const s = connect(port, '127.0.0.1', () => resolve(s));
    })));
    try {
      expect(await raw(port, 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n')).toBe('');
      expect(logged.some((line) => line.startsWith('warning full '))).toBe(true);
    } finally {
      for (const s of held) s.destroy();
    }
  });

  it('says in one line why it cannot listen', async () => {
    const port = await serve();
    const second = new HttpServer({ host: '127.0.0.1', port, routes: {}, log: () => undefined });
    await expect(second.start()).rejects.toThrow(`http: cannot listen on 127.0.0.1:${port}: address in use`);
  });
});
