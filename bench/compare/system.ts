// What the benchmark needs of the machine: Linux, root, and Debian's tools (installed when missing).
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { firstLine, run } from './shell.js';

/** The tools and the Debian packages that bring them. keepalived is optional: its rows are skipped without it. */
const TOOLS: ReadonlyArray<{ command: string; pkg: string; required: boolean; why: string }> = [
  { command: 'ip', pkg: 'iproute2', required: true, why: 'namespaces, veths and addresses' },
  { command: 'nft', pkg: 'nftables', required: true, why: 'cutting a dead host off its network' },
  { command: 'arping', pkg: 'iputils-arping', required: false, why: "service_scripts/ipaddr's gratuitous ARP, which tells the client the address moved" },
  { command: 'keepalived', pkg: 'keepalived', required: false, why: 'the comparison' },
];

export function which(command: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  for (const dir of dirs) {
    if (dir.length === 0) continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return join(dir, command);
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

export interface Tools {
  /** Tools still missing after trying to install them, with what they were for. */
  missing: Array<{ command: string; why: string; required: boolean }>;
  installed: string[];
}

/** Installs the missing packages with apt-get; what cannot be installed is reported, not fatal here. */
export async function ensureTools(log: (line: string) => void): Promise<Tools> {
  const absent = TOOLS.filter((t) => which(t.command) === undefined);
  const installed: string[] = [];
  if (absent.length > 0 && which('apt-get') !== undefined) {
    const packages = absent.map((t) => t.pkg);
    log(`installing ${packages.join(', ')} with apt-get`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = await run('apt-get', ['update'], { timeoutMs: 300_000, env });
    if (update.code !== 0) log(`apt-get update failed: ${firstLine(update.stderr)}`);
    for (const pkg of packages) {
      const result = await run('apt-get', ['install', '-y', '--no-install-recommends', pkg], { timeoutMs: 600_000, env });
      if (result.code === 0) installed.push(pkg);
      else log(`apt-get install ${pkg} failed: ${firstLine(result.stderr.split('\n').filter((l) => l.startsWith('E:')).join('\n')) || firstLine(result.stderr)}`);
    }
  }
  const missing = TOOLS.filter((t) => which(t.command) === undefined).map(({ command, why, required }) => ({ command, why, required }));
  return { missing, installed };
}

export async function keepalivedVersion(): Promise<string | undefined> {
  const result = await run('keepalived', ['--version']);
  return firstLine(result.stderr) || firstLine(result.stdout) || undefined;
}
