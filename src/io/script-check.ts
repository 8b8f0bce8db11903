// Refuses a missing or unsafe script at start (DESIGN §5): better loudly now than at failover time.
import { accessSync, constants, lstatSync, realpathSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';

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
