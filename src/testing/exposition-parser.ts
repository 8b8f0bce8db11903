// A strict reader of Prometheus' text exposition format 0.0.4, for the tests: it throws, naming the
// line, on anything the format forbids or the project's conventions rule out (a counter not named
// _total, a family without HELP and TYPE before its samples, a duplicate series, histogram buckets
// that are not cumulative or whose +Inf bucket differs from _count).

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(text: string, where: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw new Error(`${where}: bad value '${text}'`);
  return Number(text);
}

/** `{a="x",b="y"}` from `text` at `start` (just after the name); returns the labels and where they end. */
function parseLabels(text: string, start: number, where: string): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start + 1;
  for (;;) {
    if (text[i] === '}') return { labels, end: i + 1 };
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new Error(`${where}: label without '='`);
    const name = text.slice(i, eq);
    if (!LABEL_NAME.test(name) || name.startsWith('__')) throw new Error(`${where}: bad label name '${name}'`);
    if (Object.hasOwn(labels, name)) throw new Error(`${where}: label '${name}' twice`);
    if (text[eq + 1] !== '"') throw new Error(`${where}: label value of '${name}' not quoted`);
    let value = '';
    let j = eq + 2;
    for (;; j++) {
      const c = text[j];
      if (c === undefined || c === '\n') throw new Error(`${where}: unterminated label value of '${name}'`);
      if (c === '"') break;
      if (c === '\\') {
        const next = text[++j];
        if (next === '\\') value += '\\';
        else if (next === '"') value += '"';
        else if (next === 'n') value += '\n';
        else throw new Error(`${where}: bad escape '\\${next ?? ''}' in label '${name}'`);
      } else value += c;
    }
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw new Error(`${where}: expected ',' or '}' after label '${name}'`);
  }
}

/** The family a sample belongs to: a histogram's _bucket, _sum and _count belong to its base name. */
function familyOf(name: string, families: Map<string, Family>): Family | undefined {
  const direct = families.get(name);
  if (direct !== undefined) return direct;
  const base = /^(.*)_(bucket|sum|count)$/.exec(name)?.[1];
  const family = base === undefined ? undefined : families.get(base);
  return family !== undefined && (family.type === 'histogram' || family.type === 'summary') ? family : undefined;
}

export function parseExposition(text: string): Family[] {
  if (text !== '' && !text.endsWith('\n')) throw new Error('the text does not end with a line feed');
  const families = new Map<string, Family>();
  const helps = new Set<string>();
  const series = new Set<string>();
  const finished = new Set<string>();
  let current: Family | undefined;
  const lines = text.split('\n');
  lines.pop();
  lines.forEach((line, index) => {
    const where = `line ${index + 1} '${line}'`;
    if (line === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (m === null) return; // a plain comment
      const [, kind, name = '', rest = ''] = m;
      if (!METRIC_NAME.test(name)) throw new Error(`${where}: bad metric name`);
      if (finished.has(name) || (current !== undefined && current.name !== name && families.has(name))) {
        throw new Error(`${where}: family ${name} is not all in one place`);
      }
      if (kind === 'HELP') {
        if (helps.has(name)) throw new Error(`${where}: second HELP for ${name}`);
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ''))) throw new Error(`${where}: bad escape in HELP`);
        helps.add(name);
        const family = families.get(name);
        if (family !== undefined) family.help = rest;
        else families.set(name, { name, type: '', help: rest, samples: [] });
      } else {
        if (!TYPES.has(rest)) throw new Error(`${where}: bad TYPE '${rest}'`);
        const family = families.get(name) ?? { name, type: '', help: '', samples: [] };
        if (family.type !== '') throw new Error(`${where}: second TYPE for ${name}`);
        if (family.samples.length > 0) throw new Error(`${where}: TYPE after samples of ${name}`);
        family.type = rest;
        families.set(name, family);
      }
      if (current !== undefined && current.name !== name) finished.add(current.name);
      current = families.get(name);
      return;
    }
    const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
    if (nameMatch === null) throw new Error(`${where}: no metric name`);
    const name = nameMatch[0];
    let rest = line.slice(name.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith('{')) {
      const parsed = parseLabels(line, name.length, where);
      labels = parsed.labels;
      rest = line.slice(parsed.end);
    }
    const parts = rest.split(' ');
    if (parts[0] !== '' || parts.length < 2 || parts.length > 3) throw new Error(`${where}: expected one space, a value and an optional timestamp`);
    const value = parseValue(parts[1] as string, where);
    if (parts[2] !== undefined && !/^-?\d+$/.test(parts[2])) throw new Error(`${where}: bad timestamp`);
    const family = familyOf(name, families);
    if (family === undefined || family.type === '' || !helps.has(family.name)) throw new Error(`${where}: no HELP and TYPE before the sample`);
    if (family !== current) throw new Error(`${where}: sample away from the rest of family ${family.name}`);
    if (family.type === 'counter' && !name.endsWith('_total')) throw new Error(`${where}: a counter's name must end in _total`);
    if (family.type === 'counter' && (value < 0 || Number.isNaN(value))) throw new Error(`${where}: a counter below 0`);
    if (family.type === 'histogram' && name === family.name) throw new Error(`${where}: a histogram sample must be _bucket, _sum or _count`);
    if (name.endsWith('_bucket') && family.type === 'histogram' && labels['le'] === undefined) throw new Error(`${where}: bucket without le`);
    const key = `${name}{${Object.keys(labels).sort().map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`;
    if (series.has(key)) throw new Error(`${where}: duplicate series ${key}`);
    series.add(key);
    family.samples.push({ name, labels, value });
  });
  const out = [...families.values()];
  for (const family of out) {
    if (family.type === '') throw new Error(`family ${family.name} has HELP but no TYPE`);
    if (family.type === 'histogram') checkHistogram(family);
  }
  return out;
}

/** Per label set: buckets in increasing le, cumulative, ending with +Inf equal to _count; _sum present. */
function checkHistogram(family: Family): void {
  const groups = new Map<string, { buckets: Array<{ le: number; value: number }>; sum?: number; count?: number }>();
  for (const s of family.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.keys(rest).sort().map((k) => [k, rest[k]]));
    const group = groups.get(key) ?? { buckets: [] };
    groups.set(key, group);
    if (s.name === `${family.name}_bucket`) group.buckets.push({ le: parseValue(le ?? '', `${family.name} le`), value: s.value });
    else if (s.name === `${family.name}_sum`) group.sum = s.value;
    else if (s.name === `${family.name}_count`) group.count = s.value;
  }
  for (const [key, g] of groups) {
    const where = `${family.name}${key}`;
    if (g.sum === undefined || g.count === undefined) throw new Error(`${where}: _sum or _count missing`);
    const last = g.buckets[g.buckets.length - 1];
    if (last === undefined || last.le !== Infinity) throw new Error(`${where}: no +Inf bucket last`);
    if (last.value !== g.count) throw new Error(`${where}: +Inf bucket ${last.value} is not _count ${g.count}`);
    for (let i = 1; i < g.buckets.length; i++) {
      const [a, b] = [g.buckets[i - 1], g.buckets[i]] as [{ le: number; value: number }, { le: number; value: number }];
      if (!(b.le > a.le)) throw new Error(`${where}: buckets not in increasing le`);
      if (b.value < a.value) throw new Error(`${where}: buckets not cumulative`);
    }
  }
}

/** The value of the one sample of `name` with exactly these labels (a subset match on `labels`). */
export function valueOf(families: readonly Family[], name: string, labels: Record<string, string> = {}): number | undefined {
  for (const family of families) {
    for (const s of family.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value;
    }
  }
  return undefined;
}
