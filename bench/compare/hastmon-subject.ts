// hastmon as measured: three service nodes on one resource, the floating address, started with the
// build's own launcher. Three service nodes rather than two and a watchdog, so that the cluster has
// keepalived's shape: every node may hold the address, every node runs the same daemon doing the
// same work, and after one node dies the two left are still a quorum of the three voters.
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEVICE, FLOATING_CIDR, NODE_ADDRESS, NODES, type NodeName, type Topology } from './topology.js';
import { firstLine, run } from './shell.js';
import type { GracefulAct, Subject } from './subject.js';
import { parseHastmonTiming, type HastmonTiming } from './timing.js';

/** Bound on the launcher: it returns once the daemon has its sockets. */
const LAUNCH_TIMEOUT_MS = 30_000;

export class HastmonSubject implements Subject {
  readonly graceful: readonly GracefulAct[] = [
    { name: 'HUP', signal: 'SIGHUP', exits: false },
    { name: 'TERM', signal: 'SIGTERM', exits: true },
  ];
  readonly takeoverRecord = 'start-begin';
  readonly startEndRecord = 'start-end';
  readonly detectionMs: number;
  readonly cadenceMs: number;
  private readonly parsed: HastmonTiming;
  private readonly dir: string;

  constructor(
    readonly daemon: string,
    /** The checkout whose bin/hastmon, dist/ and service_scripts/ are measured. */
    private readonly root: string,
    readonly timing: string,
    readonly pair: number,
    workDir: string,
    private readonly topology: Topology,
    private readonly recordsPath: string,
  ) {
    this.parsed = parseHastmonTiming(timing);
    this.detectionMs = this.parsed.leaseMs;
    this.cadenceMs = this.parsed.heartbeatMs;
    this.dir = join(workDir, `${daemon.replace(/[^a-z]+/g, '-')}-${pair}`);
  }

  private file(name: string): string {
    return join(this.dir, name);
  }

  async prepare(): Promise<string | undefined> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const ipaddr = join(this.root, 'service_scripts', 'ipaddr');
    for (const node of NODES) {
      // One script per node, with its name written in, so it needs nothing from the daemon's environment.
      const script = [
        '#!/bin/bash',
        `# hastmon's exec script on ${node}: the floating address, with a line per start and stop.`,
        `record() { printf '%s ${node} %s\\n' "$EPOCHREALTIME" "$1" >> '${this.recordsPath}'; }`,
        'case $1 in',
        `start) record start-begin; '${ipaddr}' start ${FLOATING_CIDR} ${DEVICE}; status=$?; record start-end; exit $status ;;`,
        `stop) record stop-begin; '${ipaddr}' stop ${FLOATING_CIDR} ${DEVICE}; status=$?; record stop-end; exit $status ;;`,
        `status) exec '${ipaddr}' status ${FLOATING_CIDR} ${DEVICE} ;;`,
        '*) exit 0 ;;',
        'esac',
        '',
      ].join('\n');
      writeFileSync(this.file(`${node}.sh`), script);
      chmodSync(this.file(`${node}.sh`), 0o755);
    }
    const t = this.parsed;
    const lines = [
      `# hastmon for npm run bench:compare, timing ${this.timing}`,
      `heartbeat_interval ${t.heartbeat}`,
      `deadtime ${t.deadtime}`,
      `lease ${t.lease}`,
      '',
      ...NODES.flatMap((node) => [
        `on ${node} {`,
        `\tcontrol ${this.file(`${node}.sock`)}`,
        `\tremote ${NODES.filter((n) => n !== node).map((n) => NODE_ADDRESS[n]).join(' ')}`,
        '}',
      ]),
      '',
      'resource vip {',
      '\ttimeout 10s',
      ...NODES.flatMap((node, i) => [`\ton ${node} {`, `\t\texec ${this.file(`${node}.sh`)}`, `\t\tpriority ${i}`, '\t}']),
      '}',
      '',
    ];
    writeFileSync(this.file('hastmon.conf'), lines.join('\n'));
    const checked = await run('ip', ['netns', 'exec', this.topology.ns('n1'), process.execPath, join(this.root, 'bin', 'hastmon'), '-t', '-c', this.file('hastmon.conf'), '-N', 'n1'], {
      timeoutMs: LAUNCH_TIMEOUT_MS,
      env: this.env(),
    });
    if (checked.code === 0) return undefined;
    return `hastmon -t refuses the timing ${this.timing} (exit ${String(checked.code)}): ${firstLine(checked.stderr) || firstLine(checked.stdout)}`;
  }

  private env(): NodeJS.ProcessEnv {
    // C locale: $EPOCHREALTIME is written with a dot whatever the host's locale says.
    return { ...process.env, LC_ALL: 'C' };
  }

  async start(node: NodeName): Promise<number> {
    const pidFile = this.file(`${node}.pid`);
    // A host that died comes back without its pid file; its killed daemon may linger as a zombie
    // that the launcher would take for a running hastmon.
    rmSync(pidFile, { force: true });
    const args = [join(this.root, 'bin', 'hastmon'), '-c', this.file('hastmon.conf'), '-N', node, '-P', pidFile, '-l', this.file(`${node}.state`), '-L', this.file(`${node}.log`)];
    const result = await run('ip', ['netns', 'exec', this.topology.ns(node), process.execPath, ...args], { timeoutMs: LAUNCH_TIMEOUT_MS, env: this.env() });
    if (result.code !== 0) throw new Error(`hastmon on ${node} did not start (exit ${String(result.code)}): ${firstLine(result.stderr) || firstLine(result.stdout)}`);
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`hastmon on ${node}: no pid in ${pidFile}`);
    return pid;
  }
}
