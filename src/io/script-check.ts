// Refuses a missing or unsafe script at start (DESIGN §5): better loudly now than at failover time.
import { accessSync, constants, lstatSync, realpathSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import type { NodeConfig } from '../config/model.js';
import { requiredScripts } from './script-commands.js';

/**
 * Every problem that keeps this node's daemon from starting with `config`, one line each: the
 * daemon refuses to start on any (DESIGN §5: never skip a script silently), and `hastmon -t`
 * reports the very same.
 */
export function checkStartScripts(config: NodeConfig): string[] {
  const asRoot = process.getuid?.() === 0;
  const problems: string[] = [];
  for (const resource of config.resources) {
    const scripts = resource.scripts;
    if (scripts.kind === 'scripts' && !isDirectory(scripts.dir)) {
      // One line for the directory rather than one for each script missing from it.
      problems.push(`resource ${resource.name}: script directory ${scripts.dir} does not exist or is not a directory`);
      continue;
    }
    for (const path of requiredScripts(resource)) {
      const problem = checkScript(path, { asRoot });
      if (problem !== undefined) problems.push(`resource ${resource.name}: ${problem}`);
    }
  }
  if (config.ping !== null && findInPath('ping') === undefined) {
    problems.push(`ping ${config.ping} is configured but there is no ping command on PATH (install iputils-ping)`);
  }
  return problems;
}

function findInPath(command: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(':')) {
    if (dir === '') continue;
    const path = `${dir}/${command}`;
    if (checkScript(path, { asRoot: false }) === undefined) return path;
  }
  return undefined;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Write access for group or others: anyone but the owner could change what root runs. */
const GROUP_OR_OTHER_WRITE = 0o022;

/**
 * The first problem found with the script at `path`, naming the file, or undefined if it may be
 * run. `asRoot`: the daemon runs as root, so a script (or its directory) writable by others is a
 * way for them to run anything as root.
 */
export function checkScript(path: string, options: { asRoot: boolean }): string | undefined {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') return `${path}: cannot be examined: ${describe(err)}`;
    return isSymlink(path) ? `${path}: is a symbolic link to a file that does not exist` : `${path}: does not exist`;
  }
  if (!stats.isFile()) return `${path}: is not a regular file`;
  try {
    accessSync(path, constants.X_OK);
  } catch {
    return `${path}: is not executable`;
  }
  if (!options.asRoot) return undefined;
  if ((stats.mode & GROUP_OR_OTHER_WRITE) !== 0) {
    return `${path}: is writable by group or others (mode ${octal(stats.mode)}); run chmod go-w on it`;
  }
  try {
    return checkDirectories(path);
  } catch (err) {
    return `${path}: cannot be examined: ${describe(err)}`;
  }
}

/**
 * Whoever can write the directory can replace the script; through a symbolic link, both the
 * link's directory and the real file's directory count.
 */
function checkDirectories(path: string): string | undefined {
  const directories = new Set([dirname(path), dirname(realpathSync(path))]);
  for (const directory of directories) {
    const mode = statSync(directory).mode;
    if ((mode & GROUP_OR_OTHER_WRITE) !== 0) {
      return `${path}: its directory ${directory} is writable by group or others (mode ${octal(mode)})`;
    }
  }
  return undefined;
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
