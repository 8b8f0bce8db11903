// Which scripts run a resource: HASTMON's `exec` or FreeHA's three scripts from `scripts DIR`.
import { join } from 'node:path';
import type { ResourceScripts, Section } from './model.js';

/** FreeHA's script names inside a script directory. */
export function scriptsIn(dir: string): ResourceScripts {
  return {
    kind: 'scripts',
    dir,
    start: join(dir, 'starthasrv'),
    monitor: join(dir, 'monitorhasrv'),
    stop: join(dir, 'stophasrv'),
    alert: join(dir, 'alerthasrv'),
  };
}

/** The most specific section naming a script decides; null when none does. */
export function scriptsFrom(chain: readonly Section[]): ResourceScripts | null {
  for (const section of chain) {
    const exec = section.settings.exec;
    if (exec !== undefined) return { kind: 'exec', path: exec.value };
    const dir = section.settings.scripts;
    if (dir !== undefined) return scriptsIn(dir.value);
  }
  return null;
}

export function noScriptMessage(resource: string, node: string): string {
  return `resource '${resource}' has no script for node '${node}': expected 'exec PATH' or 'scripts DIR' in the resource, in its 'on ${node}' section or in the global section`;
}
