// hastmon.conf text to the node-independent model, with every error found on the way.
import { parseChannel } from './channel.js';
import { sortConfigErrors, type ConfigError } from './errors.js';
import { checkEtcdTiming, parseEtcdBlock } from './etcd.js';
import { parseKeyBlock } from './key.js';
import { isKeyword, KEYWORD_SCOPES, keywordsOf, SCOPE_NAMES, type Keyword, type Scope } from './keywords.js';
import { findNode, type SectionTree } from './lookup.js';
import type { ClusterConfig, EtcdConfig, Located, ResourceSection, Section, SettingName, SettingValues } from './model.js';
import { SETTING_PARSERS } from './settings.js';
import { parseSyntax, type Statement } from './syntax.js';
import { resolveTiming } from './timing.js';
import { checkHeartbeatSize, checkNameLengths } from './limits.js';
import { validateTree } from './validate.js';

export type ParseResult = { ok: true; config: ClusterConfig } | { ok: false; errors: ConfigError[] };

/** FreeHA's redundant heartbeat networks: up to three. */
export const MAX_CHANNELS = 3;

type Report = (line: number, message: string) => void;

/** The tree being read, and its resources by name: a file may hold thousands, each looked up once. */
interface Building {
  tree: SectionTree;
  resourcesByName: Map<string, ResourceSection>;
  /** The etcd section, with the line of its `timeout` when given. */
  etcd: { section: Located<EtcdConfig>; timeoutLine: number | null } | null;
  /** The line of the first etcd section, valid or not, for a duplicate's message. */
  etcdLine: number | null;
}

/** Where a statement is: its section, and the resource around it for an `on` inside one. */
interface Place {
  scope: Scope;
  section: Section;
  /** The section as messages name it. */
  label: string;
  resource: ResourceSection | null;
}

export function parseConfig(text: string, file: string): ParseResult {
  const errors: ConfigError[] = [];
  const report: Report = (line, message) => {
    errors.push({ file, line, message });
  };
  const syntax = parseSyntax(text);
  for (const error of syntax.errors) report(error.line, error.message);

  const tree: SectionTree = { global: newSection('', 0), nodes: [], resources: [] };
  const building: Building = { tree, resourcesByName: new Map(), etcd: null, etcdLine: null };
  readStatements(syntax.statements, { scope: 'global', section: tree.global, label: 'the global section', resource: null }, building, report);
  const timing = resolveTiming(tree.global.settings);
  for (const error of timing.errors) report(error.line, error.message);
  const etcd = building.etcd;
  if (etcd !== null && timing.errors.length === 0) {
    checkEtcdTiming(etcd.section, etcd.timeoutLine, timing.timing.lease, tree.global.settings.lease?.line ?? null, report);
  }
  validateTree(tree, report);
  // Only names that can go on the wire at all make a heartbeat whose size can be checked.
  if (checkNameLengths(tree, report)) checkHeartbeatSize(tree, report);

  if (errors.length > 0) return { ok: false, errors: sortConfigErrors(errors) };
  return { ok: true, config: { file, ...tree, timing: timing.timing, etcd: etcd?.section ?? null } };
}

function newSection(name: string, line: number): Section {
  return { name, line, settings: {}, channels: [] };
}

function readStatements(statements: readonly Statement[], place: Place, building: Building, report: Report): void {
  for (const statement of statements) {
    const { keyword, line } = statement;
    if (!isKeyword(keyword)) {
      report(line, `unknown keyword '${keyword}' in ${place.label}: expected one of ${keywordsOf(place.scope).join(', ')}`);
      continue;
    }
    const allowed = KEYWORD_SCOPES[keyword];
    if (!allowed.includes(place.scope)) {
      report(line, `'${keyword}' is not allowed in ${SCOPE_NAMES[place.scope]}: it belongs in ${allowed.map((s) => SCOPE_NAMES[s]).join(' or ')}`);
      continue;
    }
    if (keyword === 'resource' || keyword === 'on') {
      readSection(statement, keyword, place, building, report);
      continue;
    }
    if (keyword === 'key') {
      readKey(statement, place, report);
      continue;
    }
    if (keyword === 'etcd') {
      readEtcd(statement, building, report);
      continue;
    }
    if (statement.block !== null) {
      report(line, `'${keyword}' does not open a section: unexpected '{'`);
      continue;
    }
    const args = statement.args.map((arg) => arg.text);
    if (keyword === 'channel') readChannel(args, line, place, report);
    else readSetting(keyword, args, line, place, report);
  }
}

function readSetting<K extends Exclude<SettingName, 'key'>>(
  keyword: K,
  args: string[],
  line: number,
  place: Place,
  report: Report,
): void {
  const earlier = place.section.settings[keyword];
  if (earlier !== undefined) {
    report(line, `duplicate '${keyword}' in ${place.label} (first given at line ${earlier.line})`);
    return;
  }
  const parsed = SETTING_PARSERS[keyword](args, keyword);
  // TypeScript cannot see that Settings[K] is Located<SettingValues[K]> for a generic K.
  const settings: { [P in K]?: Located<SettingValues[P]> } = place.section.settings;
  if (parsed.ok) settings[keyword] = { value: parsed.value, line };
  else report(line, parsed.message);
}

function readChannel(args: string[], line: number, place: Place, report: Report): void {
  const parsed = parseChannel(args);
  if (!parsed.ok) {
    report(line, parsed.message);
    return;
  }
  const channels = place.section.channels;
  const same = channels.find((c) => JSON.stringify(c.value) === JSON.stringify(parsed.value));
  if (same !== undefined) report(line, `duplicate channel in ${place.label} (the same as line ${same.line})`);
  else if (channels.length >= MAX_CHANNELS) report(line, `too many channels in ${place.label}: expected at most ${MAX_CHANNELS}, this is channel ${channels.length + 1}`);
  else channels.push({ value: parsed.value, line });
}

function readKey(statement: Statement, place: Place, report: Report): void {
  if (statement.block === null) {
    report(statement.line, 'expected \'{\' after \'key\': key { algorithm sha256; secret "…" }');
    return;
  }
  const earlier = place.section.settings.key;
  if (earlier !== undefined) {
    report(statement.line, `duplicate 'key' in ${place.label} (first given at line ${earlier.line})`);
    return;
  }
  const key = parseKeyBlock(statement, statement.block, report);
  if (key !== null) place.section.settings.key = { value: key, line: statement.line };
}

function readEtcd(statement: Statement, building: Building, report: Report): void {
  if (statement.block === null) {
    report(statement.line, "expected '{' after 'etcd': etcd { endpoints http://HOST:2379 … }");
    return;
  }
  if (building.etcdLine !== null) {
    report(statement.line, `duplicate 'etcd' in the global section (first given at line ${building.etcdLine})`);
    return;
  }
  building.etcdLine = statement.line;
  const etcd = parseEtcdBlock(statement, statement.block, report);
  const timeoutLine = statement.block.find((s) => s.keyword === 'timeout')?.line ?? null;
  if (etcd !== null) building.etcd = { section: { value: etcd, line: statement.line }, timeoutLine };
}

function readSection(
  statement: Statement,
  keyword: Extract<Keyword, 'resource' | 'on'>,
  place: Place,
  building: Building,
  report: Report,
): void {
  const { tree, resourcesByName } = building;
  const { line, args, block } = statement;
  const what = keyword === 'on' ? 'a node name' : 'a resource name';
  const [first] = args;
  if (first === undefined) {
    report(line, `missing argument: ${keyword} expects ${what}`);
    return;
  }
  if (args.length > 1) {
    report(line, `${keyword} takes one argument (${what}), found ${args.length}: '${args.map((a) => a.text).join(' ')}'`);
    return;
  }
  const name = first.text;
  if (block === null) {
    report(line, `expected '{' after '${keyword} ${name}': the section's settings go between braces`);
    return;
  }
  if (keyword === 'resource') {
    const earlier = resourcesByName.get(name);
    if (earlier !== undefined) {
      report(line, `duplicate section 'resource ${name}' (first at line ${earlier.line})`);
      return;
    }
    const resource: ResourceSection = { ...newSection(name, line), nodes: [] };
    tree.resources.push(resource);
    resourcesByName.set(name, resource);
    readStatements(block, { scope: 'resource', section: resource, label: `resource '${name}'`, resource }, building, report);
    return;
  }
  const inResource = place.resource;
  const siblings = inResource === null ? tree.nodes : inResource.nodes;
  const earlier = findNode(siblings, name);
  if (earlier !== undefined) {
    report(line, `duplicate section 'on ${name}' in ${place.label} (first at line ${earlier.line})`);
    return;
  }
  const section = newSection(name, line);
  siblings.push(section);
  readStatements(
    block,
    inResource === null
      ? { scope: 'node', section, label: `'on ${name}'`, resource: null }
      : { scope: 'resource-node', section, label: `'on ${name}' of resource '${inResource.name}'`, resource: inResource },
    building,
    report,
  );
}
