// The documentation against the code: every configuration keyword, where it may appear and every
// default in hastmon.conf(5); every flag of hastmon and hastmonctl, every hastmonctl command,
// signal and exit status in their manual pages; the examples load; the README starts with the two
// commands and CI runs the tests. A keyword, flag or command added to the code without its
// documentation makes this fail.
//
// The keywords, flags, commands, long options, signals, exit statuses and defaults come from the
// tables the code itself works from (the parsers look words up in the very objects read here).
// Only what has no table yet is read from source text: the parts of the key section
// (src/config/key.ts), the kinds of channel (src/config/channel.ts), and the exit statuses that
// hastmon.ts, configure.ts, daemon.ts and control-server.ts return as bare constants.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HASTMON_GETOPT, HASTMON_USAGE } from '../cli/args.js';
import * as exitCodes from '../cli/exit-codes.js';
import { HASTMONCTL_COMMANDS, HASTMONCTL_EXIT, HASTMONCTL_GETOPT, HASTMONCTL_USAGE, TRANSPORT_EXIT } from '../cli/hastmonctl.js';
import * as defaults from '../config/defaults.js';
import { KEYWORD_SCOPES, keywordsOf, type Scope } from '../config/keywords.js';
import { parseConfig } from '../config/parse.js';
import { resolveForNode } from '../config/resolve.js';
import { formatDuration } from '../config/timing.js';
import { ROLES } from '../core/types.js';
import { EX_PROTOCOL } from '../io/control-protocol.js';
import { CONTROL_SIGNALS } from '../io/signals.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

const HASTMON_8 = read('man/hastmon.8');
const HASTMONCTL_8 = read('man/hastmonctl.8');
const CONF_5 = read('man/hastmon.conf.5');

// ------------------------------------------------------------------------------------------------
// Reading mdoc(7) source.

/** The source lines of `.Sh NAME` (or `.Ss NAME` with `level` 'Ss'), up to the next heading of that level or above. */
function sectionLines(source: string, name: string, level: 'Sh' | 'Ss' = 'Sh'): string[] {
  const lines = source.split('\n');
  const start = lines.findIndex((line) => line === `.${level} ${name}`);
  if (start < 0) throw new Error(`no '.${level} ${name}'`);
  const stop = level === 'Sh' ? /^\.Sh / : /^\.S[hs] /;
  const end = lines.findIndex((line, i) => i > start && stop.test(line));
  return lines.slice(start + 1, end < 0 ? lines.length : end);
}

/** The `.It` lines of the outermost lists in `lines`, not those of lists nested in their items. */
function topLevelItems(lines: readonly string[]): string[] {
  let depth = 0;
  const items: string[] = [];
  for (const line of lines) {
    if (line.startsWith('.Bl ')) depth += 1;
    else if (line === '.El') depth -= 1;
    else if (line.startsWith('.It') && depth === 1) items.push(line);
  }
  return items;
}

/** Macros dropped from macro lines when turning mdoc into the words it shows. */
const MACROS = new Set('Ar Bd Bl Brq Cm Dd Dl Dq Dt Dv Ed El Em Ev Ic It Nd Nm No Ns Oc Oo Op Os Pa Pc Po Pp Pq Ql Qq Sh Ss Xr'.split(' '));

/** The words a page shows, roughly: macros dropped, `Fl x` as `-x`, escapes undone. */
function plainText(source: string): string {
  const unescape = (text: string): string =>
    text.replace(/\\&/g, '').replace(/\\e/g, '\\').replace(/\\-/g, '-').replace(/\\\(em/g, '—').replace(/"/g, '');
  return source
    .split('\n')
    .filter((line) => !line.startsWith('.\\"'))
    .map((line) => {
      if (!line.startsWith('.')) return unescape(line);
      const words = line.slice(1).split(/\s+/);
      const shown: string[] = [];
      for (let i = 0; i < words.length; i++) {
        const word = words[i] as string;
        if (word === 'Fl') {
          shown.push(`-${words[i + 1] ?? ''}`);
          i++;
        } else if (!MACROS.has(word)) {
          shown.push(word);
        }
      }
      return unescape(shown.join(' '));
    })
    .join('\n');
}

/** The contents of the `.Bd -literal` blocks in `lines`. */
function literalBlocks(lines: readonly string[]): string[] {
  const blocks: string[] = [];
  let current: string[] | null = null;
  for (const line of lines) {
    if (line.startsWith('.Bd -literal')) current = [];
    else if (line === '.Ed' && current !== null) {
      blocks.push(current.join('\n').replace(/\\e/g, '\\').replace(/\\&/g, ''));
      current = null;
    } else current?.push(line);
  }
  return blocks;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `word` standing alone: not part of a longer name, number or path. */
const standalone = (word: string): RegExp => new RegExp(`(?<![\\w./-])${escapeRegExp(word)}(?![\\w/-]|\\.\\w)`);

// ------------------------------------------------------------------------------------------------
// The code's tables, and reading the code where it has none.

/** The letters of a getopt spec, one by one. */
function letters(spec: { flags: string; withArgument: string }): { flags: string[]; withArgument: string[] } {
  return { flags: [...spec.flags], withArgument: [...spec.withArgument] };
}

/** The `case '…':` labels in the body of function `name` of a source file. */
function caseLabels(path: string, name: string): string[] {
  const source = read(path);
  const start = source.indexOf(`function ${name}(`);
  if (start < 0) throw new Error(`${path}: no function ${name}`);
  const next = source.indexOf('\nfunction ', start + 1);
  const body = source.slice(start, next < 0 ? source.length : next);
  return [...body.matchAll(/case '([^']+)':/g)].map((m) => m[1] as string);
}

/** The exit-status constants (`EX_…`) a source file names in lines matching `pattern`. */
function exitNames(path: string, pattern: RegExp): string[] {
  const names = read(path)
    .split('\n')
    .filter((line) => pattern.test(line))
    .flatMap((line) => [...line.matchAll(/\bEX_[A-Z]+\b/g)].map((m) => m[0]));
  return [...new Set(names)];
}

const EXIT_VALUES: Record<string, number> = { ...exitCodes, EX_PROTOCOL };

function exitValue(name: string): number {
  const value = EXIT_VALUES[name];
  if (value === undefined) throw new Error(`unknown exit status ${name}`);
  return value;
}

/** The statuses an EXIT STATUS section lists, with the sysexits name each names, if any. */
function documentedExits(source: string): Map<number, string | undefined> {
  const lines = sectionLines(source, 'EXIT STATUS');
  const items = new Map<number, string | undefined>();
  let current: number | undefined;
  for (const line of lines) {
    const item = /^\.It (\d+)$/.exec(line);
    if (item !== null) {
      current = Number(item[1]);
      items.set(current, undefined);
      continue;
    }
    const name = /\bDv (EX_[A-Z]+)\b/.exec(line);
    if (name !== null && current !== undefined) items.set(current, name[1]);
  }
  return items;
}

function checkExitPairs(source: string): void {
  for (const [status, name] of documentedExits(source)) {
    if (status === 0) continue;
    expect(name, `exit status ${status} names its sysexits constant`).toBeDefined();
    expect(exitValue(name as string), `${name as string} is ${status}`).toBe(status);
  }
}

// ------------------------------------------------------------------------------------------------

describe('hastmon(8)', () => {
  const spec = letters(HASTMON_GETOPT);
  const options = topLevelItems(sectionLines(HASTMON_8, 'OPTIONS'));
  const synopsis = sectionLines(HASTMON_8, 'SYNOPSIS').join('\n');

  it('has the sections of a manual page', () => {
    for (const name of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'SIGNALS', 'FILES', 'EXIT STATUS', 'EXAMPLES', 'SEE ALSO']) {
      expect(() => sectionLines(HASTMON_8, name), name).not.toThrow();
    }
  });

  it('documents every flag hastmon accepts, with or without its argument as the code takes it', () => {
    expect(spec.flags.length + spec.withArgument.length).toBeGreaterThan(5);
    for (const letter of spec.flags) {
      expect(options, `-${letter} in OPTIONS`).toContain(`.It Fl ${letter}`);
      // Optional, or the flag that opens a form of its own (hastmon -S …).
      expect(synopsis, `-${letter} in SYNOPSIS`).toMatch(new RegExp(`^\\.(Op )?Fl [A-Za-z]*${letter}[A-Za-z]*$`, 'm'));
    }
    for (const letter of spec.withArgument) {
      expect(options.some((line) => new RegExp(`^\\.It Fl ${letter} Ar \\w+$`).test(line)), `-${letter} ARG in OPTIONS`).toBe(true);
      expect(synopsis, `-${letter} ARG in SYNOPSIS`).toMatch(new RegExp(`^\\.Op Fl ${letter} Ar \\w+$`, 'm'));
    }
  });

  it('documents no flag the code does not accept', () => {
    const accepted = [...spec.flags, ...spec.withArgument];
    for (const line of options) expect(accepted, line).toContain(/^\.It Fl (\w)/.exec(line)?.[1]);
  });

  it('agrees with the usage message the command prints', () => {
    for (const letter of [...spec.flags, ...spec.withArgument]) expect(HASTMON_USAGE).toMatch(new RegExp(`^  -${letter} `, 'm'));
  });

  it('documents every signal the daemon handles, and no other', () => {
    const items = topLevelItems(sectionLines(HASTMON_8, 'SIGNALS'));
    const named = items.flatMap((line) => [...line.matchAll(/Dv (SIG[A-Z0-9]+)/g)].map((m) => m[1]));
    expect([...named].sort()).toEqual([...CONTROL_SIGNALS].sort());
  });

  it('names every default file', () => {
    const files = topLevelItems(sectionLines(HASTMON_8, 'FILES'));
    const paths = (Object.values(defaults) as unknown[]).filter((value): value is string => typeof value === 'string' && value.startsWith('/'));
    for (const path of [
      defaults.DEFAULT_CONFIG_PATH,
      defaults.DEFAULT_SCRIPT_DIR,
      defaults.DEFAULT_STATE_FILE,
      defaults.DEFAULT_CONTROL_SOCKET,
      defaults.DEFAULT_PID_FILE,
    ]) {
      expect(paths, path).toContain(path);
    }
    for (const path of paths) expect(files, path).toContain(`.It Pa ${path}`);
  });

  it('documents every exit status hastmon returns, each with its sysexits value', () => {
    checkExitPairs(HASTMON_8);
    const returned = [
      ...exitNames('src/cli/hastmon.ts', /\bEX_/),
      ...exitNames('src/cli/what-if.ts', /\bEX_/),
      ...exitNames('src/cli/configure.ts', /code: EX_/),
      ...exitNames('src/daemon.ts', /^\s*return EX_/),
    ];
    const documented = documentedExits(HASTMON_8);
    for (const name of returned) expect(documented.has(exitValue(name)), `${name} (${exitValue(name)})`).toBe(true);
  });
});

describe('hastmonctl(8)', () => {
  const spec = letters(HASTMONCTL_GETOPT);
  const commands = Object.keys(HASTMONCTL_COMMANDS);
  const options = topLevelItems(sectionLines(HASTMONCTL_8, 'OPTIONS'));
  const commandItems = topLevelItems(sectionLines(HASTMONCTL_8, 'COMMANDS'));

  it('has the sections of a manual page', () => {
    for (const name of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'COMMANDS', 'FILES', 'EXIT STATUS', 'EXAMPLES', 'SEE ALSO']) {
      expect(() => sectionLines(HASTMONCTL_8, name), name).not.toThrow();
    }
  });

  it('documents every flag hastmonctl accepts, and no other', () => {
    expect(spec.flags.length + spec.withArgument.length).toBeGreaterThan(2);
    for (const letter of spec.flags) expect(options, `-${letter}`).toContain(`.It Fl ${letter}`);
    for (const letter of spec.withArgument) {
      expect(options.some((line) => new RegExp(`^\\.It Fl ${letter} Ar \\w+$`).test(line)), `-${letter} ARG`).toBe(true);
    }
    const accepted = [...spec.flags, ...spec.withArgument];
    for (const line of options) expect(accepted, line).toContain(/^\.It Fl (\w)/.exec(line)?.[1]);
  });

  it('documents every command, and no other', () => {
    expect(commands).toContain('status');
    expect(commands).toContain('help');
    const documented = commandItems.map((line) => /^\.It Cm ([a-z][a-z-]*)/.exec(line)?.[1]);
    expect([...documented].sort()).toEqual([...commands].sort());
  });

  it('documents the long options of each command in its own entry', () => {
    const longOptions = Object.entries(HASTMONCTL_COMMANDS).flatMap(([name, command]) => command.options.map((option) => [name, option] as const));
    expect(longOptions).toContainEqual(['status', '--json']);
    for (const [name, option] of longOptions) {
      expect(option, `${name} ${option}`).toMatch(/^--[a-z][a-z-]*$/);
      const item = commandItems.find((line) => line.startsWith(`.It Cm ${name} `) || line === `.It Cm ${name}`) ?? '';
      expect(item, `${name} ${option}`).toContain(`Fl ${option.slice(1)}`);
    }
  });

  it('agrees with the usage message the command prints', () => {
    for (const name of commands) expect(HASTMONCTL_USAGE, name).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    for (const [name, command] of Object.entries(HASTMONCTL_COMMANDS)) {
      for (const option of command.options) expect(command.usage, `${name} ${option}`).toContain(`[${option}]`);
    }
    for (const letter of spec.withArgument) expect(HASTMONCTL_USAGE).toMatch(new RegExp(`^  -${letter} `, 'm'));
  });

  it('names every role the role command takes', () => {
    const role = commandItems.find((line) => line.startsWith('.It Cm role ')) ?? '';
    for (const name of ROLES) expect(role).toContain(`Cm ${name}`);
  });

  it('documents every exit status hastmonctl can end with, each with its sysexits value', () => {
    checkExitPairs(HASTMONCTL_8);
    const own = [...Object.entries(HASTMONCTL_EXIT), ...Object.entries(TRANSPORT_EXIT)];
    expect(own.length).toBeGreaterThan(5);
    const passedOn = [
      ...exitNames('src/cli/configure.ts', /code: EX_/),
      ...exitNames('src/daemon.ts', /exitCode: EX_/),
      ...exitNames('src/io/control-server.ts', /exitCode: EX_/),
    ].map((name) => [name, exitValue(name)] as const);
    const documented = documentedExits(HASTMONCTL_8);
    for (const [name, status] of [...own, ...passedOn]) expect(documented.has(status), `${name} (${status})`).toBe(true);
  });
});

describe('hastmon.conf(5)', () => {
  const keywords = Object.keys(KEYWORD_SCOPES);
  const keywordItems = sectionLines(CONF_5, 'KEYWORDS').filter((line) => line.startsWith('.It Ic '));
  const itemKeyword = (line: string): string | undefined => /^\.It Ic ([a-z_]+)/.exec(line)?.[1];
  const text = plainText(CONF_5);

  it('has the sections of a manual page', () => {
    for (const name of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'KEYWORDS', 'DIAGNOSTICS', 'FILES', 'EXIT STATUS', 'EXAMPLES', 'SEE ALSO']) {
      expect(() => sectionLines(CONF_5, name), name).not.toThrow();
    }
  });

  it('has an entry for every keyword the parser knows, and for no other', () => {
    expect(keywords.length).toBeGreaterThan(20);
    const documented = new Set(keywordItems.map(itemKeyword));
    for (const keyword of keywords) expect(documented.has(keyword), keyword).toBe(true);
    for (const keyword of documented) expect(keywords, `${keyword ?? '?'} is a keyword`).toContain(keyword);
  });

  it('says where each keyword may appear, exactly as the parser enforces it', () => {
    const lines = sectionLines(CONF_5, 'Where keywords may appear', 'Ss');
    const table = new Map<Scope, string[]>();
    let scope: Scope | undefined;
    for (const line of lines) {
      if (line.startsWith('.It ')) {
        const heading = plainText(line);
        if (/top-level/i.test(heading)) scope = 'node';
        else if (/inside a resource/i.test(heading)) scope = 'resource-node';
        else if (/resource sections/i.test(heading)) scope = 'resource';
        else if (/global section/i.test(heading)) scope = 'global';
        else throw new Error(`which sections does '${heading}' mean?`);
        table.set(scope, []);
      } else if (line === '.El') {
        scope = undefined;
      } else if (line.startsWith('.Ic ') && scope !== undefined) {
        table.get(scope)?.push(...line.split(/\s+/).slice(1).filter((word) => /^[a-z_]+$/.test(word)));
      }
    }
    for (const s of ['global', 'node', 'resource', 'resource-node'] as const) {
      expect([...(table.get(s) ?? [])].sort(), s).toEqual(keywordsOf(s));
    }
  });

  it('documents the parts of the key section', () => {
    const inner = /const INNER = \[([^\]]*)\]/.exec(read('src/config/key.ts'))?.[1] ?? '';
    const names = [...inner.matchAll(/'([a-z_]+)'/g)].map((m) => m[1] as string);
    expect(names).toContain('secret');
    const keyItems = keywordItems.filter((line) => itemKeyword(line) === 'key').join('\n');
    for (const name of names) expect(keyItems).toContain(`Ic ${name}`);
  });

  it('documents every kind of channel', () => {
    const kinds = caseLabels('src/config/channel.ts', 'parseChannel');
    expect(kinds).toContain('multicast');
    const channelItems = keywordItems.filter((line) => itemKeyword(line) === 'channel');
    for (const kind of kinds) expect(channelItems.some((line) => line.startsWith(`.It Ic channel Cm ${kind}`)), kind).toBe(true);
    for (const option of ['interface', 'ttl']) expect(channelItems.join('\n')).toContain(`Cm ${option}`);
  });

  it('lists the choices of role_on_start and failback', () => {
    const heading = (keyword: string): string => keywordItems.find((line) => itemKeyword(line) === keyword) ?? '';
    for (const role of ROLES) expect(heading('role_on_start')).toContain(`Cm ${role}`);
    for (const choice of ['auto', 'manual']) expect(heading('failback')).toContain(`Cm ${choice}`);
  });

  it('gives every default of the code', () => {
    // Windows of text after each "default": a default must be stated as one, not merely appear.
    const lower = text.toLowerCase();
    const windows: string[] = [];
    for (let i = lower.indexOf('default'); i >= 0; i = lower.indexOf('default', i + 1)) windows.push(text.slice(i, i + 160));
    const spellings = (name: string, value: number | string): string[] => {
      if (typeof value === 'string') return [value];
      const forms = [String(value)];
      if (name.endsWith('_MS')) forms.push(formatDuration(value), `${value / 1000} s`, `${value / 1000} seconds`);
      if (value > 0 && value < 1) forms.push(`${Math.round(value * 100)}%`);
      return forms;
    };
    const checked = Object.entries(defaults).filter(([, value]) => typeof value === 'number' || typeof value === 'string');
    expect(checked.length).toBeGreaterThan(20);
    for (const [name, value] of checked as Array<[string, number | string]>) {
      const patterns = spellings(name, value).map(standalone);
      const where = name.startsWith('DEFAULT_') ? windows : [text];
      expect(where.some((w) => patterns.some((p) => p.test(w))), `${name} = ${String(value)}`).toBe(true);
    }
  });

  it('shows the seed example unchanged, and every example loads for every node it names', () => {
    const examples = literalBlocks(sectionLines(CONF_5, 'EXAMPLES'));
    const seed = read('src/config/fixtures/seed-hastmon.conf');
    expect(examples.map((e) => e.trim())).toContain(seed.trim());
    for (const example of examples) expectLoads(example, 'hastmon.conf(5) example');
  });

  it('quotes real error messages', () => {
    const quoted = literalBlocks(sectionLines(CONF_5, 'DIAGNOSTICS')).join('\n').replace(/\n {4}/g, ' ');
    // Lines 8, 9 and 12 hold the mistakes the page quotes.
    const bad = [
      'resource daemon {',
      '        exec /etc/daemon.sh',
      '        on lolek {',
      '        }',
      '        on bolek {',
      '        }',
      '        friends lolek bolek',
      '        lease 1s',
      '        monitor_fall 0',
      '}',
      'heartbeat_interval 200ms',
      'deadtime 300ms',
    ].join('\n');
    const parsed = parseConfig(bad, 'hastmon.conf');
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    for (const error of parsed.errors) expect(quoted).toContain(`${error.file}:${error.line}: ${error.message}`);
  });
});

/** Parses `text` and resolves it for every node it names: none may fail. */
function expectLoads(text: string, what: string): void {
  const parsed = parseConfig(text, what);
  expect(parsed.ok ? [] : parsed.errors, what).toEqual([]);
  if (!parsed.ok) return;
  const nodes = new Set([...parsed.config.nodes, ...parsed.config.resources.flatMap((r) => r.nodes)].map((n) => n.name));
  expect(nodes.size, `${what} names nodes`).toBeGreaterThan(0);
  for (const node of nodes) {
    const resolved = resolveForNode(parsed.config, node);
    expect(resolved.ok ? [] : resolved.errors, `${what} for ${node}`).toEqual([]);
  }
}

describe('etc/', () => {
  it('has a sample configuration that loads for every node and shows every keyword', () => {
    const sample = read('etc/hastmon.conf.sample');
    expectLoads(sample, 'etc/hastmon.conf.sample');
    for (const keyword of Object.keys(KEYWORD_SCOPES)) expect(sample, keyword).toMatch(new RegExp(`^\\s*#?${keyword}\\b`, 'm'));
  });

  it('never reloads with SIGHUP, which to hastmon means failing back', () => {
    const unit = read('etc/hastmon.service');
    expect(unit).toMatch(/^ExecReload=\S*hastmonctl reload$/m);
    expect(unit).toMatch(/^ExecStart=\S*hastmon -F$/m);
    const rc = read('etc/rc.d/hastmon');
    expect(rc).toMatch(/^reload_cmd="hastmon_reload"$/m);
    expect(rc).toMatch(/^hastmon_reload\(\)\n\{\n\t\S+ \S*hastmonctl .*reload$/m);
  });
});

describe('README.md and CI', () => {
  const readme = read('README.md');

  it('starts with the title and the two commands', () => {
    const lines = readme.split('\n');
    expect(lines[0]).toBe('# hastmon');
    const rest = lines.slice(1);
    const open = rest.findIndex((line) => line.trim() !== '');
    expect(rest[open]).toMatch(/^```/);
    expect(rest[open + 1]).toMatch(/^npm install && npm start(\s|$)/);
    expect(rest[open + 2]).toMatch(/^npm ci && npm test(\s|$)/);
  });

  it('walks through status, the signals and the state file', () => {
    for (const words of ['hastmonctl status', 'kill -HUP', 'kill -USR1', 'watch cat /var/run/hastmon']) expect(readme).toContain(words);
  });

  it('has configurations that load for every node they name', () => {
    const blocks = [...readme.matchAll(/^```conf\n([\s\S]*?)^```$/gm)].map((m) => m[1] as string);
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) expectLoads(block, 'README.md');
  });

  it('shows the two-site example with etcd as in src/config/fixtures, which hastmon -t checks, and INSTALL shows it too', () => {
    const example = read('src/config/fixtures/two-sites-etcd.conf');
    expect(readme).toContain(`\`\`\`conf\n${example}\`\`\``);
    const indented = example.split('\n').map((line) => (line === '' ? '' : `       ${line}`)).join('\n');
    expect(read('INSTALL')).toContain(indented);
  });

  it('is what CI runs', () => {
    expect(read('.ci/run')).toMatch(/^npm test$/m);
  });
});
