// `npm start`: a three-node hastmon cluster on this machine, to watch it fail over.
//
// lolek and bolek may run the resource `web` (the small HTTP service of service_scripts/httpd,
// through FreeHA's starthasrv/monitorhasrv/stophasrv in bin/), reksio is the watchdog. They
// talk over unicast on 127.0.0.1 only; everything lives in one temporary directory, removed on
// exit. A node killed with -9 takes its service down with it, as a crashed machine would, and
// comes back on its own a few seconds later.
//
// `--etcd` runs lolek and bolek with a local one-member etcd as their third voter instead of the
// watchdog (hastmon.conf(5), `etcd`): etcd on free 127.0.0.1 ports, its data in the same directory,
// stopped with the rest.

import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ETCD_BIN, EtcdCluster, etcdInstalled } from '../testing/etcd-server.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NODES = [
  { name: 'lolek', role: 'priority 0' },
  { name: 'bolek', role: 'priority 1' },
  { name: 'reksio', role: 'role_on_start watchdog' },
] as const;
/** With etcd as the third voter: no watchdog. */
const ETCD_NODES = NODES.filter((n) => n.name !== 'reksio');
/** etcd grants no lease shorter than 2 s, and hastmon's `lease` must be at least that with etcd. */
const ETCD_LEASE = '2s';
/** sysexits(3) EX_UNAVAILABLE: what --etcd needs is not installed. */
const EX_UNAVAILABLE = 69;
/** A node killed by the user comes back after this long (a reboot). */
const RESTART_AFTER_MS = 6000;
const REFRESH_MS = 1000;
const STOP_TIMEOUT_MS = 15_000;

/** What a failed start must undo. */
let demoDirectory: string | undefined;
let startedEtcd: EtcdCluster | undefined;

interface DemoNode {
  name: string;
  port: number;
  dir: string;
  process: ChildProcess | undefined;
  deadSince: number | undefined;
}

async function main(argv: string[]): Promise<number> {
  const seconds = parseSeconds(argv);
  const withEtcd = argv.includes('--etcd');
  if (withEtcd && !etcdInstalled()) {
    process.stderr.write(`hastmon demo: --etcd needs etcd at ${ETCD_BIN}, which is not installed: apt-get install etcd-server\n`);
    return EX_UNAVAILABLE;
  }
  const dir = mkdtempSync(join(tmpdir(), 'hastmon-demo-'));
  demoDirectory = dir;
  const httpPort = await freeTcpPort();
  let etcd: EtcdCluster | undefined;
  if (withEtcd) {
    process.stdout.write(`starting a local etcd (${ETCD_BIN}) on 127.0.0.1, its data in ${join(dir, 'etcd')}…\n`);
    etcd = await EtcdCluster.start(1, join(dir, 'etcd'));
    startedEtcd = etcd;
  }
  const nodes: DemoNode[] = [];
  for (const n of withEtcd ? ETCD_NODES : NODES) {
    const nodeDir = join(dir, n.name);
    mkdirSync(nodeDir);
    nodes.push({ name: n.name, port: await freeUdpPort(), dir: nodeDir, process: undefined, deadSince: undefined });
  }
  const config = join(dir, 'hastmon.conf');
  writeFileSync(config, configText(nodes, etcd?.endpoints ?? null), { mode: 0o644 });

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
    // After the nodes: the holder's TERM gives its etcd key back on the way out.
    await etcd?.stop();
    rmSync(dir, { recursive: true, force: true });
    process.stdout.write(`removed ${dir}; nothing is left running.\n`);
  };
  process.on('SIGINT', () => void shutdown().then(() => process.exit(0)));
  process.on('SIGTERM', () => void shutdown().then(() => process.exit(0)));

  const about = (): string => intro(dir, config, httpPort, nodes, etcd);
  process.stdout.write(about());
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
      if (interactive) process.stdout.write(`\x1b[2J\x1b[H${about()}${screen}`);
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

function configText(nodes: DemoNode[], etcdEndpoints: string[] | null): string {
  const lines = ['# The demo cluster: written by npm start, removed when it stops.', 'heartbeat_interval 200ms', 'deadtime 1s'];
  if (etcdEndpoints !== null) lines.push(`lease ${ETCD_LEASE}`, 'etcd {', `\tendpoints ${etcdEndpoints.join(' ')}`, '}');
  lines.push('');
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

function intro(dir: string, config: string, httpPort: number, nodes: DemoNode[], etcd: EtcdCluster | undefined): string {
  const pids = nodes.map((n) => `${n.name} ${n.process?.pid ?? '(down)'}`).join(', ');
  const member = etcd?.members[0];
  const cluster =
    member === undefined
      ? ['hastmon demo: three nodes on 127.0.0.1 (lolek and bolek run the service, reksio is the watchdog)']
      : [
          'hastmon demo: two nodes on 127.0.0.1 (lolek and bolek run the service) and a local etcd as their third voter, no watchdog',
          `  etcd:    ${member.clientUrl}, pid ${member.process.pid ?? '?'}; the holder owns the key /hastmon/web/holder with a ${ETCD_LEASE} lease`,
        ];
  const failover =
    member === undefined
      ? '  try:     kill -9 <pid of the holder>   the other node takes over within about a second;'
      : `  try:     kill -9 <pid of the holder>   the other node takes over once etcd lets the key expire (about ${ETCD_LEASE});`;
  return [
    ...cluster,
    `  files:   ${dir} (configuration ${config})`,
    `  service: curl http://127.0.0.1:${httpPort}/   answers with the node that runs it`,
    `  pids:    ${pids}`,
    failover,
    `                                         the killed node comes back ${RESTART_AFTER_MS / 1000} s later and stays standby`,
    '           kill -HUP <pid of the holder>  fail back: the holder hands the service to the other node',
    ...(member === undefined
      ? []
      : [`           ${`kill ${member.process.pid ?? '<pid of etcd>'}`.padEnd(31)}etcd gone: nothing changes while lolek and bolek hear each other`]),
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
  for (const node of nodes) {
    const etcd = etcdLine(node);
    if (etcd !== undefined) rows.push(`  ${node.name.padEnd(7)} sees etcd's key: ${etcd}`);
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

/** The node's line on etcd's key in its state file (`ours, counts 1.4 s more`, `held by lolek`…). */
function etcdLine(node: DemoNode): string | undefined {
  try {
    const line = readFileSync(join(node.dir, 'state'), 'utf8').split('\n').find((l) => l.startsWith('  etcd: '));
    // The seconds left change every second: shown rounded, they would make every screen new.
    return line?.slice('  etcd: '.length).replace(/, counts [\d.]+ s more$/, '');
  } catch {
    return undefined;
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

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  async (error: unknown) => {
    process.stderr.write(`hastmon demo: ${error instanceof Error ? error.message : String(error)}\n`);
    // Nothing may outlive a demo that failed to start: etcd, if it was started, and the directory.
    await startedEtcd?.stop();
    if (demoDirectory !== undefined) rmSync(demoDirectory, { recursive: true, force: true });
    process.exit(1);
  },
);
