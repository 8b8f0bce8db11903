// `npm start`: a three-node hastmon cluster on this machine, to watch it fail over.
//
// lolek and bolek may run the resource `web` (the small HTTP service of service_scripts/httpd,
// through FreeHA's starthasrv/monitorhasrv/stophasrv in bin/), reksio is the watchdog. They
// talk over unicast on 127.0.0.1 only; everything lives in one temporary directory, removed on
// exit. A node killed with -9 takes its service down with it, as a crashed machine would, and
// comes back on its own a few seconds later.

import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NODES = [
  { name: 'lolek', role: 'priority 0' },
  { name: 'bolek', role: 'priority 1' },
  { name: 'reksio', role: 'role_on_start watchdog' },
] as const;
/** A node killed by the user comes back after this long (a reboot). */
const RESTART_AFTER_MS = 6000;
const REFRESH_MS = 1000;
const STOP_TIMEOUT_MS = 15_000;

interface DemoNode {
  name: string;
  port: number;
  dir: string;
  process: ChildProcess | undefined;
  deadSince: number | undefined;
}

async function main(argv: string[]): Promise<number> {
  const seconds = parseSeconds(argv);
  const dir = mkdtempSync(join(tmpdir(), 'hastmon-demo-'));
  const httpPort = await freeTcpPort();
  const nodes: DemoNode[] = [];
  for (const n of NODES) {
    const nodeDir = join(dir, n.name);
    mkdirSync(nodeDir);
    nodes.push({ name: n.name, port: await freeUdpPort(), dir: nodeDir, process: undefined, deadSince: undefined });
  }
  const config = join(dir, 'hastmon.conf');
  writeFileSync(config, configText(nodes), { mode: 0o644 });

  let stopping = false;
  const start = (node: DemoNode): void => {
    const log = openSync(join(node.dir, 'hastmon.log'), 'a');
    node.process = spawn(process.execPath, [join(ROOT, 'bin/hastmon'), '-F', '-c', config, '-N', node.name, '-P', join(node.dir, 'hastmon.pid')], {
      stdio: ['ignore', log, log],
      env: { ...process.env, HASTMON_HTTP_PORT: String(httpPort), HASTMON_RUNDIR: node.dir, HTTPD_EXIT_WITH_DAEMON: '1' },
    });
    closeSync(log);
    node.deadSince = undefined;
    node.process.on('exit', () => {
      node.process = undefined;
      node.deadSince = Date.now();
    });
  };
  for (const node of nodes) start(node);

  const interactive = process.stdout.isTTY === true;
  const shutdown = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    clearInterval(ticker);
    process.stdout.write('\nstopping the cluster (TERM to every node; the holder stops the service first)…\n');
    await stopAll(nodes);
    rmSync(dir, { recursive: true, force: true });
    process.stdout.write(`removed ${dir}; nothing is left running.\n`);
  };
  process.on('SIGINT', () => void shutdown().then(() => process.exit(0)));
  process.on('SIGTERM', () => void shutdown().then(() => process.exit(0)));

  process.stdout.write(intro(dir, config, httpPort, nodes));
  const startedAt = Date.now();
  let last = '';
  const ticker = setInterval(() => {
    void (async () => {
      for (const node of nodes) {
        if (!stopping && node.process === undefined && node.deadSince !== undefined && Date.now() - node.deadSince > RESTART_AFTER_MS) {
          start(node);
        }
      }
      const screen = await render(nodes, httpPort);
      if (stopping) return;
      // Without a terminal, print only what changed (the clock line aside).
      const changed = screen.slice(screen.indexOf('\n')) !== last.slice(last.indexOf('\n'));
      if (interactive) process.stdout.write(`\x1b[2J\x1b[H${intro(dir, config, httpPort, nodes)}${screen}`);
      else if (changed) process.stdout.write(`${screen}\n`);
      last = screen;
      if (seconds !== undefined && Date.now() - startedAt >= seconds * 1000) {
        await shutdown();
        process.exit(0);
      }
    })();
  }, REFRESH_MS);
  return new Promise<number>(() => {
    // Runs until Ctrl-C (or --seconds).
  });
}

function parseSeconds(argv: string[]): number | undefined {
  const i = argv.indexOf('--seconds');
  if (i < 0) return undefined;
  const value = Number(argv[i + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error('--seconds takes a positive number');
  return value;
}

function configText(nodes: DemoNode[]): string {
  const lines = ['# The demo cluster: written by npm start, removed when it stops.', 'heartbeat_interval 200ms', 'deadtime 1s', ''];
  for (const node of nodes) {
    lines.push(`on ${node.name} {`, `\tlisten 127.0.0.1:${node.port}`, `\tcontrol ${join(node.dir, 'hastmonctl.sock')}`, `\tstate_file ${join(node.dir, 'state')}`, '}');
  }
  lines.push('', 'resource web {', `\tscripts ${join(ROOT, 'bin')}`, '\tattempts 3', '\tmonitor_interval 1s', '\tmonitor_fall 2', '\ttimeout 20s');
  for (const node of nodes) {
    const spec = NODES.find((n) => n.name === node.name);
    const others = nodes.filter((o) => o !== node).map((o) => `127.0.0.1:${o.port}`);
    lines.push(`\ton ${node.name} {`, `\t\tremote ${others.join(' ')}`, `\t\t${spec?.role ?? ''}`, '\t}');
  }
  lines.push('}', '');
  return lines.join('\n');
}

function intro(dir: string, config: string, httpPort: number, nodes: DemoNode[]): string {
  const pids = nodes.map((n) => `${n.name} ${n.process?.pid ?? '(down)'}`).join(', ');
  return [
    'hastmon demo: three nodes on 127.0.0.1 (lolek and bolek run the service, reksio is the watchdog)',
    `  files:   ${dir} (configuration ${config})`,
    `  service: curl http://127.0.0.1:${httpPort}/   answers with the node that runs it`,
    `  pids:    ${pids}`,
    '  try:     kill -9 <pid of the holder>   the other node takes over within about a second;',
    `                                         the killed node comes back ${RESTART_AFTER_MS / 1000} s later and stays standby`,
    '           kill -HUP <pid of the holder>  fail back: the holder hands the service to the other node',
    `           ${join(ROOT, 'bin/hastmonctl')} -s ${join(nodes[0]?.dir ?? dir, 'hastmonctl.sock')} status`,
    `           watch cat ${join(nodes[0]?.dir ?? dir, 'state')}`,
    '  Ctrl-C stops the cluster and removes everything it started.',
    '',
    '',
  ].join('\n');
}

async function render(nodes: DemoNode[], httpPort: number): Promise<string> {
  const rows: string[] = [];
  for (const node of nodes) {
    const pid = node.process?.pid;
    if (pid === undefined) {
      rows.push(`  ${node.name.padEnd(7)} down (restarts in ${Math.max(0, Math.ceil((RESTART_AFTER_MS - (Date.now() - (node.deadSince ?? 0))) / 1000))} s)`);
      continue;
    }
    rows.push(`  ${node.name.padEnd(7)} pid ${String(pid).padEnd(7)} ${ownLine(node)}`);
  }
  const answer = await fetchText(`http://127.0.0.1:${httpPort}/`);
  rows.push('', `  service answers: ${answer}`);
  return `${new Date().toISOString().slice(11, 19)}\n${rows.join('\n')}`;
}

/** This node's own line of its state file: `* NAME [STATE] role … vote …`. */
function ownLine(node: DemoNode): string {
  try {
    const text = readFileSync(join(node.dir, 'state'), 'utf8');
    const own = text.split('\n').find((l) => l.trimStart().startsWith('*'));
    const holder = text.split('\n').find((l) => l.startsWith('resource '));
    return `${own?.trim().replace(/^\*\s*\S+\s*/, '') ?? 'starting'}   ${holder?.replace(/^resource web: /, '') ?? ''}`;
  } catch {
    return 'starting';
  }
}

function fetchText(url: string): Promise<string> {
  return new Promise((resolve) => {
    const request = get(url, { timeout: 500 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve(body.trim() || `HTTP ${response.statusCode ?? '?'}`));
    });
    request.on('timeout', () => request.destroy(new Error('no answer')));
    request.on('error', () => resolve('nothing (no node runs it right now)'));
  });
}

/** TERM every node and wait; whatever does not exit in time is killed, services included. */
async function stopAll(nodes: DemoNode[]): Promise<void> {
  const alive = nodes.filter((n) => n.process !== undefined);
  await Promise.all(
    alive.map(
      (node) =>
        new Promise<void>((resolve) => {
          const child = node.process;
          if (child === undefined) return resolve();
          const timer = setTimeout(() => {
            child.kill('SIGKILL');
            resolve();
          }, STOP_TIMEOUT_MS);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  for (const node of nodes) killServiceOf(node);
}

/** The demo service's pid file of a node (httpd keeps it in HASTMON_RUNDIR), if it still runs. */
function killServiceOf(node: DemoNode): void {
  for (const name of safeList(node.dir)) {
    if (!name.startsWith('hastmon-httpd-') || !name.endsWith('.pid')) continue;
    const pid = Number(readFileSync(join(node.dir, name), 'utf8').trim());
    if (Number.isInteger(pid) && pid > 1) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.on('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const port = socket.address().port;
      socket.close(() => resolve(port));
    });
  });
}

function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`hastmon demo: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
