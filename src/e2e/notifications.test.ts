// HASTMON's notifications from real daemons: two nodes, three resources with one exec script.
// Every peer connects to every resource at start-up, and yet each node runs one notification
// script at a time: the script takes a lock of its own (mkdir) and records an overlap if it
// cannot. Every wait is bounded; the daemons are stopped by pid and the directory removed.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { daemonEnvironment, freePort, HASTMON_BIN, isGone, signalQuietly, sleep } from './processes.js';

const NODES = ['lolek', 'bolek'];
const RESOURCES = ['alpha', 'beta', 'gamma'];
const WAIT_MS = 15_000;

/** Services as files; notifications recorded in `told`, each holding the node's lock for 100 ms. */
function script(dir: string): string {
  return `#!/bin/sh
f="${dir}/run.$HASTMON_NODE.$2"
case "$1" in
start) : > "$f" ;;
stop) rm -f "$f" ;;
status) [ -e "$f" ] || exit 1 ;;
*)
  if mkdir "${dir}/busy.$HASTMON_NODE" 2>/dev/null; then
    echo "$HASTMON_NODE $2 $1 $3" >> "${dir}/told"
    sleep 0.1
    rmdir "${dir}/busy.$HASTMON_NODE"
  else
    echo "$HASTMON_NODE $2 $1 $3 OVERLAP" >> "${dir}/told"
  fi ;;
esac
exit 0
`;
}

const dir = mkdtempSync(join(tmpdir(), 'hastmon-notifications-'));
const pids: number[] = [];

afterAll(async () => {
  for (const pid of pids) if (!isGone(pid)) signalQuietly(pid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (pids.some((pid) => !isGone(pid)) && Date.now() < deadline) await sleep(100);
  for (const pid of pids) if (!isGone(pid)) signalQuietly(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function told(): string[] {
  const path = join(dir, 'told');
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((line) => line !== '') : [];
}

describe('notifications from real daemons', () => {
  it('run one at a time per node, and every peer is told to every resource', async () => {
    const ports = new Map<string, number>();
    for (const node of NODES) ports.set(node, await freePort());
    const lines = ['# notifications e2e test'];
    for (const node of NODES) {
      const remotes = NODES.filter((n) => n !== node).map((n) => `127.0.0.1:${ports.get(n)}`);
      lines.push(`on ${node} {`, `  listen 127.0.0.1:${ports.get(node)}`, `  control ${join(dir, `${node}.sock`)}`, `  state_file ${join(dir, `${node}.state`)}`, `  remote ${remotes.join(' ')}`, '}');
    }
    for (const resource of RESOURCES) {
      lines.push(`resource ${resource} {`, `  exec ${join(dir, 'service.sh')}`, ...NODES.map((node) => `  on ${node} { }`), '}');
    }
    writeFileSync(join(dir, 'hastmon.conf'), `${lines.join('\n')}\n`);
    writeFileSync(join(dir, 'service.sh'), script(dir), { mode: 0o755 });
    for (const node of NODES) {
      const log = openSync(join(dir, `${node}.log`), 'a');
      try {
        const child = spawn(process.execPath, [HASTMON_BIN, '-F', '-c', join(dir, 'hastmon.conf'), '-N', node, '-P', join(dir, `${node}.pid`)], {
          cwd: dir,
          env: daemonEnvironment({}),
          stdio: ['ignore', log, log],
        });
        if (child.pid !== undefined) pids.push(child.pid);
      } finally {
        closeSync(log);
      }
    }
    const expected = NODES.flatMap((node) => RESOURCES.map((r) => `${node} ${r} connect ${NODES.find((n) => n !== node)}`));
    const deadline = Date.now() + WAIT_MS;
    while (!expected.every((line) => told().includes(line)) && Date.now() < deadline) await sleep(100);
    expect(told()).toEqual(expect.arrayContaining(expected));
    expect(told().filter((line) => line.endsWith('OVERLAP'))).toEqual([]);
  });
});
