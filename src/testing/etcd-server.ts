// A real etcd for tests: Debian's `etcd` (etcd-server) on 127.0.0.1 ports that were free, one or
// three members, data in a temporary directory removed afterwards. Members are stopped by pid.
// Optionally with TLS on the client URLs (and client certificates required) and a short lifetime
// for auth tokens; auth itself is enabled through the gateway (see etcd-auth.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ETCD_BIN = '/usr/bin/etcd';

/** A member takes about a second to elect itself; a loaded machine may take several. */
const HEALTHY_WITHIN_MS = 30_000;
/** A member asked to stop has this long before it is killed. */
const STOP_WITHIN_MS = 5_000;

export function etcdInstalled(): boolean {
  try {
    accessSync(ETCD_BIN, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether tests that need etcd can run. Outside CI a missing etcd skips them with a notice; in CI
 * (CI set by .ci/run, which installs etcd-server) the caller must fail instead.
 */
export function etcdForTests(): { run: boolean; failInstead: boolean } {
  if (etcdInstalled()) return { run: true, failInstead: false };
  if (process.env['CI'] !== undefined && process.env['CI'] !== '') return { run: false, failInstead: true };
  console.warn(`notice: ${ETCD_BIN} is missing: the tests against a real etcd are skipped (apt-get install etcd-server)`);
  return { run: false, failInstead: false };
}

/** A TCP port free on 127.0.0.1 right now. */
function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The PEM files of a TLS listener that asks every client for a certificate signed by `ca`. */
export interface EtcdTls {
  ca: string;
  cert: string;
  key: string;
  /** A client certificate and key signed by `ca`, for the harness's own health checks. */
  clientCert: string;
  clientKey: string;
}

export interface EtcdOptions {
  /** https:// client URLs with `--client-cert-auth`. */
  tls?: EtcdTls;
  /** `--auth-token-ttl`: how long a simple token lives unused (etcd's default is 300 s). */
  authTokenTtlSec?: number;
}

export interface EtcdMember {
  name: string;
  clientUrl: string;
  peerUrl: string;
  process: ChildProcess;
  /** The member's output, for a failing test's message. */
  output: string[];
}

export class EtcdCluster {
  private constructor(
    readonly members: EtcdMember[],
    private readonly directory: string,
    /** The data directory was made here, and is removed by `stop`; else it is the caller's. */
    private readonly ownsDirectory: boolean,
  ) {}

  /**
   * Starts `size` members and waits until each answers /health, within a bound. Their data goes
   * into `directory` when given (left for its owner to remove), else into a temporary one.
   */
  static async start(size: 1 | 3, directory?: string, options: EtcdOptions = {}): Promise<EtcdCluster> {
    const ownsDirectory = directory === undefined;
    const dataDirectory = directory ?? mkdtempSync(join(tmpdir(), 'hastmon-etcd-'));
    const ports: number[] = [];
    for (let i = 0; i < size * 2; i += 1) ports.push(await freeTcpPort());
    const specs = Array.from({ length: size }, (_, i) => ({
      name: `m${i}`,
      clientUrl: `${options.tls === undefined ? 'http' : 'https'}://127.0.0.1:${ports[2 * i] as number}`,
      peerUrl: `http://127.0.0.1:${ports[2 * i + 1] as number}`,
    }));
    const initialCluster = specs.map((s) => `${s.name}=${s.peerUrl}`).join(',');
    const { tls } = options;
    const extra = [
      ...(tls === undefined ? [] : ['--cert-file', tls.cert, '--key-file', tls.key, '--trusted-ca-file', tls.ca, '--client-cert-auth']),
      ...(options.authTokenTtlSec === undefined ? [] : ['--auth-token-ttl', String(options.authTokenTtlSec)]),
    ];
    const members = specs.map((spec): EtcdMember => {
      const child = spawn(
        ETCD_BIN,
        [
          '--name', spec.name,
          '--data-dir', join(dataDirectory, spec.name),
          '--listen-client-urls', spec.clientUrl,
          '--advertise-client-urls', spec.clientUrl,
          '--listen-peer-urls', spec.peerUrl,
          '--initial-advertise-peer-urls', spec.peerUrl,
          '--initial-cluster', initialCluster,
          '--initial-cluster-state', 'new',
          '--initial-cluster-token', `hastmon-test-${process.pid}`,
          '--log-level', 'warn',
          ...extra,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const output: string[] = [];
      const keep = (chunk: Buffer): void => {
        output.push(chunk.toString('utf8'));
        if (output.length > 200) output.shift();
      };
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
      return { ...spec, process: child, output };
    });
    const cluster = new EtcdCluster(members, dataDirectory, ownsDirectory);
    try {
      await Promise.all(members.map((m) => waitHealthy(m, tls)));
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  get endpoints(): string[] {
    return this.members.map((m) => m.clientUrl);
  }

  /** kill -9 of one member, waited for. */
  async kill(index: number): Promise<void> {
    const member = this.members[index];
    if (member === undefined) throw new Error(`no member ${index}`);
    await stopProcess(member.process, 'SIGKILL');
  }

  /** Stops every member and removes the data directory it made. */
  async stop(): Promise<void> {
    await Promise.all(this.members.map((m) => stopProcess(m.process, 'SIGTERM')));
    if (this.ownsDirectory) rmSync(this.directory, { recursive: true, force: true });
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Signals the process by its pid and waits for it to end; SIGKILL after a bound. */
async function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (exited(child) || child.pid === undefined) return;
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, signal);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), STOP_WITHIN_MS);
  });
  if ((await Promise.race([done, late])) === 'late' && !exited(child)) {
    process.kill(child.pid, 'SIGKILL');
    await done;
  }
  clearTimeout(timer);
}

async function waitHealthy(member: EtcdMember, tls: EtcdTls | undefined): Promise<void> {
  const deadline = Date.now() + HEALTHY_WITHIN_MS;
  const certificates = tls === undefined ? undefined : { ca: readFileSync(tls.ca), cert: readFileSync(tls.clientCert), key: readFileSync(tls.clientKey) };
  while (Date.now() < deadline) {
    if (exited(member.process)) throw new Error(`etcd ${member.name} exited: ${member.output.join('').slice(-2_000)}`);
    if (await healthy(member.clientUrl, certificates)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`etcd ${member.name} not healthy within ${HEALTHY_WITHIN_MS} ms: ${member.output.join('').slice(-2_000)}`);
}

function healthy(url: string, certificates: { ca: Buffer; cert: Buffer; key: Buffer } | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const answered = (res: IncomingMessage): void => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve(res.statusCode === 200 && /"health":\s*"true"/.test(body)));
      res.on('error', () => resolve(false));
    };
    const req =
      certificates === undefined
        ? httpGet(`${url}/health`, { timeout: 1_000 }, answered)
        : httpsGet(`${url}/health`, { timeout: 1_000, agent: false, ...certificates }, answered);
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}
