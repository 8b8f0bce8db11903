// The parsed file, seen from one node: everything that node's daemon needs.
import { DEFAULT_LISTEN } from './address.js';
import { DEFAULT_MULTICAST_CHANNEL } from './channel.js';
import {
  DEFAULT_ATTEMPTS,
  DEFAULT_COMPLAINT_COUNT,
  DEFAULT_COMPLAINT_INTERVAL_MS,
  DEFAULT_CONTROL_SOCKET,
  DEFAULT_FAILBACK,
  DEFAULT_LOCAL_RESTARTS,
  DEFAULT_MONITOR_FALL,
  DEFAULT_MONITOR_INTERVAL_MS,
  DEFAULT_SCRIPT_TIMEOUT_MS,
  DEFAULT_STATE_FILE,
} from './defaults.js';
import type { ConfigError } from './errors.js';
import { chainFor, clusterNodes, findNode, nodeSections, pick, priorityIn, roleIn } from './lookup.js';
import type { ClusterConfig, Endpoint, NodeConfig, NodeResource, ResolvedChannel, ResourceSection, Section } from './model.js';
import { noScriptMessage, scriptsFrom } from './scripts.js';

export type ResolveResult = { ok: true; config: NodeConfig } | { ok: false; errors: ConfigError[] };

export function resolveForNode(config: ClusterConfig, nodeName: string): ResolveResult {
  const errors: ConfigError[] = [];
  const report = (line: number, message: string): void => {
    errors.push({ file: config.file, line, message });
  };
  const globalNode = findNode(config.nodes, nodeName);
  if (nodeSections(config).length === 0) {
    report(0, "names no node: expected a 'resource NAME { }' section with an 'on NODE { }' section for each node, as in hastmon.conf(5)");
    return { ok: false, errors };
  }
  // With resources, each one without an 'on' section for the node says so below.
  if (config.resources.length === 0 && findNode(config.nodes, nodeName) === undefined) {
    const named = clusterNodes(config).join(', ');
    report(0, `names no node '${nodeName}' (it names ${named}): give this node's name with -N, or add 'on ${nodeName} { }' sections`);
    return { ok: false, errors };
  }
  const resources: NodeResource[] = [];
  for (const resource of config.resources) {
    const section = findNode(resource.nodes, nodeName);
    if (section === undefined) {
      const named = resource.nodes.map((n) => n.name).join(', ');
      report(resource.line, `resource '${resource.name}' has no 'on' section for node '${nodeName}' (it names ${named}): expected 'on ${nodeName} { }' in it`);
      continue;
    }
    const nodeResource = resolveResource(config, resource, section);
    if (nodeResource === null) report(section.line, noScriptMessage(resource.name, section.name));
    else resources.push(nodeResource);
  }

  const ownSections: Section[] = [...(globalNode === undefined ? [] : [globalNode]), config.global];
  const remotes = withoutRepeats([
    ...(globalNode?.settings.remote?.value ?? []),
    ...resources.flatMap((r) => r.remotes),
  ]);
  const channels = resolveChannels(globalNode ?? config.global, config.global, remotes, nodeName, report);
  if (errors.length > 0) return { ok: false, errors };

  const friends = new Set(config.global.settings.friends?.value ?? []);
  for (const resource of config.resources) {
    if (resources.some((r) => r.name === resource.name)) resource.settings.friends?.value.forEach((f) => friends.add(f));
  }
  return {
    ok: true,
    config: {
      node: spellingOf(config, nodeName),
      listen: pick('listen', ownSections)?.value ?? DEFAULT_LISTEN,
      control: pick('control', ownSections)?.value ?? DEFAULT_CONTROL_SOCKET,
      http: pick('http', ownSections)?.value ?? null,
      stateFile: pick('state_file', ownSections)?.value ?? DEFAULT_STATE_FILE,
      channels,
      key: config.global.settings.key?.value ?? null,
      friends: [...friends],
      remotes,
      ping: pick('ping', ownSections)?.value ?? null,
      timing: { ...config.timing, shutdownGrace: pick('shutdown_grace', ownSections)?.value ?? config.timing.shutdownGrace },
      resources,
      peers: { kind: 'configured', nodes: clusterNodes(config) },
      etcd: config.etcd?.value ?? null,
    },
  };
}

/** The file's spelling is the node's name on the wire, whatever case the host name has. */
function spellingOf(config: ClusterConfig, nodeName: string): string {
  return findNode(nodeSections(config), nodeName)?.name ?? nodeName;
}

function resolveResource(config: ClusterConfig, resource: ResourceSection, section: Section): NodeResource | null {
  const chain = chainFor(config, resource, section);
  const scripts = scriptsFrom(chain);
  if (scripts === null) return null;
  return {
    name: resource.name,
    role: roleIn(chain),
    priority: priorityIn(chain),
    scripts,
    fence: pick('fence', chain)?.value ?? null,
    members: resource.nodes.map((member) => {
      const memberChain = chainFor(config, resource, member);
      return { node: member.name, priority: priorityIn(memberChain), roleOnStart: roleIn(memberChain) };
    }),
    remotes: section.settings.remote?.value ?? [],
    attempts: pick('attempts', chain)?.value ?? DEFAULT_ATTEMPTS,
    monitorInterval: pick('monitor_interval', chain)?.value ?? DEFAULT_MONITOR_INTERVAL_MS,
    monitorFall: pick('monitor_fall', chain)?.value ?? DEFAULT_MONITOR_FALL,
    localRestarts: pick('local_restarts', chain)?.value ?? DEFAULT_LOCAL_RESTARTS,
    scriptTimeout: pick('timeout', chain)?.value ?? DEFAULT_SCRIPT_TIMEOUT_MS,
    failback: pick('failback', chain)?.value ?? DEFAULT_FAILBACK,
    complaintCount: pick('complaint_count', chain)?.value ?? DEFAULT_COMPLAINT_COUNT,
    complaintInterval: pick('complaint_interval', chain)?.value ?? DEFAULT_COMPLAINT_INTERVAL_MS,
  };
}

/**
 * The node's own channels replace the global ones. Without any: unicast when the node has
 * `remote` addresses (HASTMON files), else the default multicast group (freehad).
 */
function resolveChannels(
  own: Section,
  global: Section,
  remotes: Endpoint[],
  nodeName: string,
  report: (line: number, message: string) => void,
): ResolvedChannel[] {
  const configured = own.channels.length > 0 ? own.channels : global.channels;
  if (configured.length === 0) {
    return remotes.length > 0 ? [{ kind: 'unicast', peers: remotes }] : [DEFAULT_MULTICAST_CHANNEL];
  }
  return configured.map(({ value, line }) => {
    if (value.kind !== 'unicast') return value;
    if (remotes.length === 0) {
      report(line, `channel unicast for node '${nodeName}' has no peers: expected 'remote' addresses in its 'on' sections`);
    }
    return { kind: 'unicast', peers: remotes };
  });
}

function withoutRepeats(endpoints: readonly Endpoint[]): Endpoint[] {
  const seen = new Set<string>();
  return endpoints.filter((e) => {
    const key = `${e.host.toLowerCase()}:${e.port}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
