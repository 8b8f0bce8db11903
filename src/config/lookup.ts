// Finding a setting for one node of one resource, most specific section first.
import { DEFAULT_PRIORITY, DEFAULT_ROLE_ON_START } from './defaults.js';
import type { ClusterConfig, Located, ResourceSection, Section, SettingName, SettingValues } from './model.js';
import type { Role } from '../core/types.js';

export type SectionTree = Pick<ClusterConfig, 'global' | 'nodes' | 'resources'>;

/** Host names are case-insensitive. */
export function sameNode(a: string, b: string): boolean {
  return nodeKey(a) === nodeKey(b);
}

/** One key for every spelling of a node's name, for maps and sets of nodes. */
export function nodeKey(name: string): string {
  return name.toLowerCase();
}

export function findNode(sections: readonly Section[], name: string): Section | undefined {
  return sections.find((section) => sameNode(section.name, name));
}

/** Every `on` section: the global ones, then those of each resource, in file order. */
export function nodeSections(tree: Pick<SectionTree, 'nodes' | 'resources'>): Section[] {
  return [...tree.nodes, ...tree.resources.flatMap((r) => r.nodes)];
}

/** Every node of the file, once, as it goes by on the wire: the first spelling the file gives it. */
export function clusterNodes(tree: Pick<SectionTree, 'nodes' | 'resources'>): string[] {
  const seen = new Set<string>();
  const nodes: string[] = [];
  for (const { name } of nodeSections(tree)) {
    const key = nodeKey(name);
    if (seen.has(key)) continue;
    seen.add(key);
    nodes.push(name);
  }
  return nodes;
}

/**
 * The sections that may set something for `node` in `resource`, most specific first: the
 * resource's `on` section, the node's global `on` section, the resource, the global section.
 * Where a keyword may appear (keywords.ts) keeps this one order right for every keyword.
 */
export function chainFor(tree: SectionTree, resource: ResourceSection, node: Section): Section[] {
  const globalNode = findNode(tree.nodes, node.name);
  return [node, ...(globalNode === undefined ? [] : [globalNode]), resource, tree.global];
}

export function pick<K extends SettingName>(key: K, chain: readonly Section[]): Located<SettingValues[K]> | undefined {
  for (const section of chain) {
    const found = section.settings[key];
    if (found !== undefined) return found;
  }
  return undefined;
}

export function roleIn(chain: readonly Section[]): Role {
  return pick('role_on_start', chain)?.value ?? DEFAULT_ROLE_ON_START;
}

export function priorityIn(chain: readonly Section[]): number {
  return pick('priority', chain)?.value ?? DEFAULT_PRIORITY;
}
