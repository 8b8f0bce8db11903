// keepalived as measured: VRRPv3 between three nodes by unicast, priorities 150/100/50 in the
// order of hastmon's, nopreempt so that a restarted node stays a backup (hastmon's holders are
// sticky too), and the floating address as a virtual_ipaddress on the node's interface.
import type { ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive } from './proc.js';
import { firstLine, pollFor, run, startDetached } from './shell.js';
import type { GracefulAct, Subject } from './subject.js';
import { advertLabel } from './timing.js';
import { DEVICE, FLOATING_CIDR, NODE_ADDRESS, NODES, type NodeName, type Topology } from './topology.js';

const PRIORITY: Record<NodeName, number> = { n1: 150, n2: 100, n3: 50 };
/** The virtual router's id: any from 1 to 255, alone on this private bridge. */
const VIRTUAL_ROUTER_ID = 42;
/** A keepalived that is still running this long after its start has read its configuration and forked its VRRP child. */
const STARTED_AFTER_MS = 300;

export class KeepalivedSubject implements Subject {
  readonly daemon = 'keepalived';
  /** TERM: keepalived's master sends an advertisement with priority 0 and removes its address. */
  readonly graceful: readonly GracefulAct[] = [{ name: 'TERM', signal: 'SIGTERM', exits: true }];
  readonly takeoverRecord = 'master';
  readonly startEndRecord = undefined;
  readonly timing: string;
  readonly detectionMs: number;
  readonly cadenceMs: number;
  private readonly dir: string;
  private readonly children = new Map<NodeName, ChildProcess>();

  constructor(
    private readonly advertSeconds: number,
    readonly pair: number,
    workDir: string,
    private readonly topology: Topology,
    private readonly recordsPath: string,
  ) {
    this.timing = advertLabel(advertSeconds);
    this.cadenceMs = advertSeconds * 1000;
    // RFC 5798's Master_Down_Interval: three advertisements plus the skew, at most one more.
    this.detectionMs = 4 * this.cadenceMs;
    this.dir = join(workDir, `keepalived-${pair}`);
  }

  private file(name: string): string {
    return join(this.dir, name);
  }

  async prepare(): Promise<string | undefined> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    for (const node of NODES) {
      const notify = this.file(`${node}.sh`);
      writeFileSync(
        notify,
        ['#!/bin/bash', `# keepalived's notify script on ${node}: one line per state it enters.`, `printf '%s ${node} %s\\n' "$EPOCHREALTIME" "$1" >> '${this.recordsPath}'`, ''].join('\n'),
      );
      chmodSync(notify, 0o755);
      const peers = NODES.filter((n) => n !== node).map((n) => `\t\t${NODE_ADDRESS[n]}`);
      const conf = [
        `# keepalived for npm run bench:compare, ${this.timing}`,
        'global_defs {',
        `\trouter_id ${node}`,
        // Version 3: sub-second advertisement intervals, in centiseconds.
        '\tvrrp_version 3',
        '\tscript_user root',
        '\tenable_script_security',
        '}',
        'vrrp_instance hmcmp {',
        '\tstate BACKUP',
        '\tnopreempt',
        `\tinterface ${DEVICE}`,
        `\tvirtual_router_id ${VIRTUAL_ROUTER_ID}`,
        `\tpriority ${PRIORITY[node]}`,
        `\tadvert_int ${this.advertSeconds}`,
        `\tunicast_src_ip ${NODE_ADDRESS[node]}`,
        '\tunicast_peer {',
        ...peers,
        '\t}',
        '\tvirtual_ipaddress {',
        `\t\t${FLOATING_CIDR} dev ${DEVICE}`,
        '\t}',
        `\tnotify_master "${notify} master"`,
        `\tnotify_backup "${notify} backup"`,
        `\tnotify_fault "${notify} fault"`,
        '}',
        '',
      ].join('\n');
      writeFileSync(this.file(`${node}.conf`), conf);
    }
    const checked = await run('ip', ['netns', 'exec', this.topology.ns('n1'), 'keepalived', '-t', '-f', this.file('n1.conf')], { timeoutMs: 15_000 });
    if (checked.code === 0) return undefined;
    return `keepalived -t refuses ${this.timing} (exit ${String(checked.code)}): ${firstLine(checked.stderr) || firstLine(checked.stdout)}`;
  }

  async start(node: NodeName): Promise<number> {
    // A host that died comes back with an empty /run: keepalived refuses to start while a pid file
    // names a process that still exists, and its killed VRRP child may linger as a zombie.
    for (const name of ['pid', 'vrrp.pid', 'checkers.pid']) rmSync(this.file(`${node}.${name}`), { force: true });
    const log = openSync(this.file(`${node}.log`), 'a');
    // -n: the parent stays in the foreground, so its pid is the one spawned; -P: VRRP only.
    const args = ['-n', '-l', '-D', '-G', '-P', '-f', this.file(`${node}.conf`), '-p', this.file(`${node}.pid`), '-r', this.file(`${node}.vrrp.pid`), '-c', this.file(`${node}.checkers.pid`)];
    const child = startDetached('ip', ['netns', 'exec', this.topology.ns(node), 'keepalived', ...args], log, { ...process.env, LC_ALL: 'C' });
    closeSync(log);
    this.children.set(node, child);
    const pid = child.pid;
    if (pid === undefined) throw new Error(`keepalived on ${node} could not be started`);
    const startedAt = performance.now();
    const exited = await pollFor(() => (child.exitCode !== null || !alive(pid) ? true : performance.now() - startedAt >= STARTED_AFTER_MS ? false : undefined), 5_000, 20);
    if (exited === true) throw new Error(`keepalived on ${node} exited at start (status ${String(child.exitCode)}): see ${this.file(`${node}.log`)}`);
    return pid;
  }
}
