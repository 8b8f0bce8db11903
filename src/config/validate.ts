// Checks across sections that do not depend on which node reads the file, so that `hastmon -t`
// on any node finds the mistakes of every node's sections.
import { chainFor, roleIn, type SectionTree } from './lookup.js';
import type { Section } from './model.js';
import { noScriptMessage, scriptsFrom } from './scripts.js';

export function validateTree(tree: SectionTree, report: (line: number, message: string) => void): void {
  const sections: Section[] = [tree.global, ...tree.nodes, ...tree.resources, ...tree.resources.flatMap((r) => r.nodes)];
  for (const section of sections) {
    const { exec, scripts } = section.settings;
    if (exec !== undefined && scripts !== undefined) {
      report(
        Math.max(exec.line, scripts.line),
        "both 'exec' and 'scripts' in one section: expected HASTMON's exec script or FreeHA's script directory, not both",
      );
    }
  }
  for (const node of tree.nodes) {
    const { priority, role_on_start: role } = node.settings;
    if (priority !== undefined && role?.value === 'watchdog') {
      report(priority.line, `priority for watchdog '${node.name}': a watchdog votes but never runs a resource, so it has no priority`);
    }
  }
  for (const resource of tree.resources) {
    if (resource.nodes.length === 0) {
      report(resource.line, `resource '${resource.name}' has no 'on' sections: expected 'on NODE { }' for each node that takes part`);
      continue;
    }
    let serviceNodes = 0;
    for (const node of resource.nodes) {
      const chain = chainFor(tree, resource, node);
      const priority = node.settings.priority;
      if (roleIn(chain) !== 'watchdog') serviceNodes += 1;
      else if (priority !== undefined) {
        report(
          priority.line,
          `priority for watchdog '${node.name}' in resource '${resource.name}': a watchdog votes but never runs the resource, so it has no priority`,
        );
      }
      if (scriptsFrom(chain) === null) report(node.line, noScriptMessage(resource.name, node.name));
    }
    if (serviceNodes === 0) {
      report(resource.line, `resource '${resource.name}' has no service node: every node in it is a watchdog; expected at least one that may run it`);
    }
  }
}
