// Which program runs for each action the core asks for (DESIGN §5): FreeHA's three scripts from
// the script directory, or HASTMON's one `exec` script called with a verb and the resource.

import type { NodeResource } from '../config/model.js';
import type { ScriptAction } from '../core/types.js';

export interface ScriptCommand {
  command: string;
  args: string[];
}

/** The command for `action`, or undefined when this resource has no script for it. */
export function scriptCommand(resource: NodeResource, action: ScriptAction, extra: string[]): ScriptCommand | undefined {
  if (action === 'fence') return resource.fence === null ? undefined : { command: resource.fence, args: extra };
  const scripts = resource.scripts;
  if (scripts.kind === 'exec') {
    switch (action) {
      case 'start':
      case 'stop':
        return { command: scripts.path, args: [action, resource.name] };
      case 'probe':
      case 'monitor':
        return { command: scripts.path, args: ['status', resource.name] };
      case 'notify': {
        // `role <res> <old> <new>`, `connect <res> <peer>`: the verb first, then the resource.
        const [verb, ...rest] = extra;
        return verb === undefined ? undefined : { command: scripts.path, args: [verb, resource.name, ...rest] };
      }
      case 'alert':
        return undefined;
    }
  }
  switch (action) {
    case 'start':
      return { command: scripts.start, args: [] };
    case 'stop':
      return { command: scripts.stop, args: [] };
    case 'probe':
    case 'monitor':
      return { command: scripts.monitor, args: [] };
    case 'alert':
      return { command: scripts.alert, args: extra };
    case 'notify':
      return undefined;
  }
}

/** Every script a resource needs at start: each must exist and be safe (checked by the daemon). */
export function requiredScripts(resource: NodeResource): string[] {
  const scripts = resource.scripts;
  const paths = scripts.kind === 'exec' ? [scripts.path] : [scripts.start, scripts.monitor, scripts.stop];
  if (resource.fence !== null) paths.push(resource.fence);
  return paths;
}
