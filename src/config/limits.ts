// The largest heartbeat a configuration can make must fit in one datagram: a node whose heartbeat
// does not fit sends nothing, so its peers see it dead and it loses every endorsement. Checked when
// the file is read (hastmon -t, start, reload), for every node at once.
import { clusterNodes, findNode, nodeKey, nodeSections, type SectionTree } from './lookup.js';
import type { ResourceSection } from './model.js';
import { MAX_DATAGRAM_BYTES, MAX_NAME_BYTES } from '../wire/format.js';
import { ECHO_FIXED_BYTES, heartbeatBytes, nameFieldBytes } from '../wire/size.js';

interface NodeHeartbeat {
  node: string;
  size: number;
  /** The line at which the heartbeat first passes the limit, reading the file in order. */
  line: number;
}

/** Node and resource names go on the wire with a one-byte length: 1 to 255 bytes of UTF-8. Returns whether all do. */
export function checkNameLengths(tree: SectionTree, report: (line: number, message: string) => void): boolean {
  let ok = true;
  const named = [...nodeSections(tree).map((s) => ({ what: 'node', section: s })), ...tree.resources.map((s) => ({ what: 'resource', section: s }))];
  for (const { what, section } of named) {
    const bytes = Buffer.byteLength(section.name, 'utf8');
    if (bytes >= 1 && bytes <= MAX_NAME_BYTES) continue;
    ok = false;
    if (bytes === 0) report(section.line, `empty ${what} name: expected 1 to ${MAX_NAME_BYTES} bytes`);
    else report(section.line, `${what} name '${shown(section.name)}' is ${bytes} bytes long: heartbeats carry names of at most ${MAX_NAME_BYTES} bytes (UTF-8)`);
  }
  return ok;
}

/**
 * Reports an error when some node's heartbeat, with every other node echoed and a vote in every
 * resource it is named in (the most a heartbeat ever carries), would pass the datagram limit.
 */
export function checkHeartbeatSize(tree: SectionTree, report: (line: number, message: string) => void): void {
  const nodes = clusterNodes(tree);
  const keyed = tree.global.settings.key !== undefined;
  // Sizes add up (a node votes for itself, the first name of its table): each node's is its own
  // part plus every other node's echo, so all of them take one pass, not one per node.
  const ownResources = resourcesByNode(tree);
  const echoBytes = (node: string): number => nameFieldBytes(node) + ECHO_FIXED_BYTES;
  const allEchoes = nodes.reduce((sum, node) => sum + echoBytes(node), 0);
  let largestNode: string | undefined;
  let largestSize = 0;
  for (const node of nodes) {
    const resources = (ownResources.get(nodeKey(node)) ?? []).map((r) => ({ name: r.name, vote: node }));
    const size = heartbeatBytes({ node, echoes: [], resources, keyed }) + allEchoes - echoBytes(node);
    if (largestNode === undefined || size > largestSize) {
      largestNode = node;
      largestSize = size;
    }
  }
  if (largestNode === undefined || largestSize <= MAX_DATAGRAM_BYTES) return;
  const largest = heartbeatOf(tree, nodes, largestNode, keyed);
  const resources = tree.resources.filter((r) => findNode(r.nodes, largest.node) !== undefined).length;
  const fit = whatFits(tree, nodes, resources, keyed);
  const otherwise = fit.nodes >= 2 ? `, or ${count(fit.nodes, 'node')} with ${count(resources, 'resource')}` : '';
  report(
    largest.line,
    `the heartbeat of node '${shown(largest.node)}' would be ${largest.size} bytes (${count(nodes.length, 'node')}, ${count(resources, 'resource')}${keyed ? ', with the key' : ''}), ` +
      `more than the ${MAX_DATAGRAM_BYTES}-byte datagram limit: with names as long as these, ${count(fit.resources, 'resource')} fit with ${count(nodes.length, 'node')}${otherwise}; ` +
      'use fewer resources or nodes, or shorter names',
  );
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/** The resources each node is named in, by nodeKey. */
function resourcesByNode(tree: SectionTree): Map<string, ResourceSection[]> {
  const byNode = new Map<string, ResourceSection[]>();
  for (const resource of tree.resources) {
    for (const section of resource.nodes) {
      const key = nodeKey(section.name);
      const list = byNode.get(key);
      if (list === undefined) byNode.set(key, [resource]);
      else list.push(resource);
    }
  }
  return byNode;
}

/** A name as messages show it: a long one cut short. */
function shown(name: string): string {
  return name.length > 32 ? `${name.slice(0, 32)}…` : name;
}

/** One node's largest heartbeat, and the line of the section that takes it past the limit. */
function heartbeatOf(tree: SectionTree, nodes: readonly string[], node: string, keyed: boolean): NodeHeartbeat {
  const echoes = nodes.filter((n) => n !== node);
  const own = tree.resources.filter((r) => findNode(r.nodes, node) !== undefined);
  const size = (echoCount: number, resourceCount: number): number =>
    heartbeatBytes({
      node,
      echoes: echoes.slice(0, echoCount),
      // A vote names the voter or an echoed node: one byte, whoever it is.
      resources: own.slice(0, resourceCount).map((r) => ({ name: r.name, vote: node })),
      keyed,
    });
  const total = size(echoes.length, own.length);
  let line = 0;
  if (total > MAX_DATAGRAM_BYTES) {
    const echoLine = (i: number): number => findNode(nodeSections(tree), echoes[i] as string)?.line ?? 0;
    if (size(echoes.length, 0) > MAX_DATAGRAM_BYTES) {
      // The names of the nodes alone do not fit: point at the node that passes the limit.
      let count = 0;
      while (size(count + 1, 0) <= MAX_DATAGRAM_BYTES) count++;
      line = echoLine(count);
    } else {
      let count = 0;
      while (size(echoes.length, count + 1) <= MAX_DATAGRAM_BYTES) count++;
      line = own[count]?.line ?? 0;
    }
  }
  return { node, size: total, line };
}

/** How many resources fit with these nodes, and how many nodes with these resources, all named like the longest. */
function whatFits(tree: SectionTree, nodes: readonly string[], resources: number, keyed: boolean): { resources: number; nodes: number } {
  const longest = (names: readonly string[]): string => 'x'.repeat(Math.max(1, ...names.map((n) => Buffer.byteLength(n, 'utf8'))));
  const node = longest(nodes);
  const resource = longest(tree.resources.map((r) => r.name));
  const size = (nodeCount: number, resourceCount: number): number =>
    heartbeatBytes({
      node,
      echoes: Array.from({ length: nodeCount - 1 }, () => node),
      resources: Array.from({ length: resourceCount }, () => ({ name: resource, vote: node })),
      keyed,
    });
  let fitResources = 0;
  while (size(nodes.length, fitResources + 1) <= MAX_DATAGRAM_BYTES) fitResources++;
  let fitNodes = 0;
  while (size(fitNodes + 1, resources) <= MAX_DATAGRAM_BYTES) fitNodes++;
  return { resources: fitResources, nodes: fitNodes };
}
