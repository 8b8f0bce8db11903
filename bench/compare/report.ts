// The printed result: a summary table like issue 12's, the details per act, the ratios at comparable
// timings, and a legend saying what each figure measures.
import type { NodeIdle } from './idle.js';
import { summarise, type Summary } from './stats.js';
import type { Trial } from './trials.js';

export interface SeriesResult {
  act: string;
  trials: Trial[];
}

export interface SubjectResult {
  daemon: string;
  timing: string;
  pair: number;
  /** Why it was not measured at all (a refused configuration, keepalived missing). */
  skipped?: string;
  /** Why it stopped before the end (a cluster that did not settle again). */
  aborted?: string;
  idle?: NodeIdle[];
  series: SeriesResult[];
}

export interface RunReport {
  date: string;
  machine: { cpus: number; model: string; kernel: string; node: string; keepalived?: string };
  options: { trials: number; idleSeconds: number; before?: string; pairs: Array<{ advertSeconds: number; hastmon: string }> };
  baselineRssKb?: number;
  notes: string[];
  subjects: SubjectResult[];
}

function ms(value: number): string {
  if (value < 10) return value.toFixed(1);
  return Math.round(value).toLocaleString('en-US');
}

function figures(trials: readonly Trial[], pick: (t: Trial) => number | undefined): Summary | undefined {
  return summarise(trials.filter((t) => t.ok).map(pick).filter((v): v is number => v !== undefined));
}

function medianRange(s: Summary | undefined, p90 = false): string {
  if (s === undefined) return '–';
  const range = s.n > 1 ? ` (${ms(s.min)}–${ms(s.max)})` : '';
  return `${ms(s.median)} ms${range}${p90 && s.n >= 5 ? `, p90 ${ms(s.p90)}` : ''}`;
}

function label(subject: SubjectResult): string {
  return subject.daemon === 'keepalived' ? `keepalived, ${subject.timing}` : `${subject.daemon} ${subject.timing}`;
}

function mib(kb: number): string {
  return `${(kb / 1024).toFixed(1)} MiB`;
}

function median(values: readonly number[]): number | undefined {
  return summarise(values)?.median;
}

function cpuRange(idle: readonly NodeIdle[] | undefined): string {
  if (idle === undefined || idle.length === 0) return '–';
  const values = idle.map((i) => i.cpuPercent);
  const digits = Math.max(...values) < 0.1 ? 3 : 2;
  return `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)} %`;
}

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

function series(subject: SubjectResult, act: string): Trial[] {
  return subject.series.find((s) => s.act === act)?.trials ?? [];
}

function gracefulActs(subject: SubjectResult): string[] {
  return subject.series.map((s) => s.act).filter((a) => a !== 'kill -9');
}

function perAct(subject: SubjectResult, pick: (t: Trial) => number | undefined): string {
  const acts = gracefulActs(subject);
  if (acts.length === 0) return '–';
  return acts.map((act) => `${act} ${medianRange(figures(series(subject, act), pick)).replace(/ \(.*\)/, '')}`).join(', ');
}

function failures(subject: SubjectResult): string {
  const failed = subject.series.flatMap((s) => s.trials.filter((t) => !t.ok).map(() => s.act));
  return failed.length === 0 ? '' : ` [${failed.length} failed]`;
}

export function summaryTable(report: RunReport): string {
  const rows = report.subjects.map((s): string[] => {
    if (s.skipped !== undefined) return [label(s), 'not measured (see the notes above)', '', '', '', '', ''];
    const kill = series(s, 'kill -9');
    const rss = median((s.idle ?? []).map((i) => i.rssKb));
    return [
      `${label(s)}${failures(s)}`,
      medianRange(figures(kill, (t) => t.startMs)),
      medianRange(figures(kill, (t) => t.gapMs)),
      perAct(s, (t) => t.startMs),
      perAct(s, (t) => t.gapMs),
      cpuRange(s.idle),
      rss === undefined ? '–' : mib(rss),
    ];
  });
  return table(['daemon, timing', 'kill -9: new start, median (min–max)', 'kill -9: client outage', 'graceful: new start, median', 'graceful: client outage', 'idle CPU per node', 'RSS per node'], rows);
}

export function detailTable(report: RunReport): string {
  const rows: string[][] = [];
  for (const s of report.subjects) {
    if (s.skipped !== undefined) continue;
    for (const { act, trials } of s.series) {
      const ok = trials.filter((t) => t.ok).length;
      rows.push([
        label(s),
        act,
        `${ok}/${trials.length}`,
        medianRange(figures(trials, (t) => t.startMs), true),
        medianRange(figures(trials, (t) => t.addressMs), true),
        medianRange(figures(trials, (t) => t.answerMs), true),
        medianRange(figures(trials, (t) => t.gapMs), true),
      ]);
    }
  }
  return table(['daemon, timing', 'act', 'ok', 'script begins', 'address up', 'first answer', 'longest gap'], rows);
}

function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || b === 0) return '–';
  const r = a / b;
  return `${r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(1) : r.toFixed(2)}×`;
}

function medianOf(subject: SubjectResult | undefined, act: string, pick: (t: Trial) => number | undefined): number | undefined {
  return subject === undefined ? undefined : figures(series(subject, act), pick)?.median;
}

function idleMedian(subject: SubjectResult | undefined, pick: (i: NodeIdle) => number): number | undefined {
  return median((subject?.idle ?? []).map(pick));
}

/** hastmon ÷ keepalived at each pair of comparable timings, and after ÷ before when a second build was measured. */
export function ratioTable(report: RunReport): string {
  const rows: string[][] = [];
  const measured = report.subjects.filter((s) => s.skipped === undefined);
  const compare = (name: string, a: SubjectResult, b: SubjectResult, bGraceful: string | undefined): void => {
    for (const act of ['kill -9', ...gracefulActs(a)]) {
      const other = act === 'kill -9' ? act : (bGraceful ?? act);
      rows.push([
        name,
        act === other ? act : `${act} vs ${other}`,
        ratio(medianOf(a, act, (t) => t.startMs), medianOf(b, other, (t) => t.startMs)),
        ratio(medianOf(a, act, (t) => t.addressMs), medianOf(b, other, (t) => t.addressMs)),
        ratio(medianOf(a, act, (t) => t.gapMs), medianOf(b, other, (t) => t.gapMs)),
        act === 'kill -9' ? ratio(idleMedian(a, (i) => i.cpuPercent), idleMedian(b, (i) => i.cpuPercent)) : '',
        act === 'kill -9' ? ratio(idleMedian(a, (i) => i.rssKb), idleMedian(b, (i) => i.rssKb)) : '',
      ]);
    }
  };
  for (const a of measured) {
    if (a.daemon === 'keepalived') continue;
    const keepalived = measured.find((s) => s.daemon === 'keepalived' && s.pair === a.pair);
    if (keepalived !== undefined) compare(`${label(a)} ÷ ${label(keepalived)}`, a, keepalived, 'TERM');
    const before = measured.find((s) => s.daemon === 'hastmon (before)' && s.pair === a.pair);
    if (a.daemon === 'hastmon' && before !== undefined) compare(`${label(a)} ÷ before`, a, before, undefined);
  }
  if (rows.length === 0) return '(no pair of comparable timings measured)';
  return table(['ratio', 'act', 'script begins', 'address up', 'longest gap', 'idle CPU (median node)', 'RSS (median node)'], rows);
}

export function memoryLine(report: RunReport): string {
  const base = report.baselineRssKb;
  if (base === undefined) return 'bare Node process with one UDP socket: not measured';
  const parts = report.subjects
    .filter((s) => s.daemon !== 'keepalived' && s.idle !== undefined)
    .map((s) => {
      const rss = idleMedian(s, (i) => i.rssKb);
      return rss === undefined ? '' : `${label(s)} ${mib(rss)} (${rss >= base ? '+' : ''}${(((rss - base) / base) * 100).toFixed(0)} %)`;
    })
    .filter((p) => p.length > 0);
  return `bare Node ${process.version} process holding one UDP socket: ${mib(base)} RSS${parts.length > 0 ? `; against it: ${parts.join('; ')}` : ''}`;
}

export const LEGEND = `What the figures measure (every time from the act, on the realtime clock, in ms):
- kill -9: the holder's host dies: its daemon's whole process tree and its echo responder get
  SIGKILL at one instant, then its interface drops everything (nft). HUP, TERM: the signal to the
  holder's daemon (keepalived's TERM sends an advertisement of priority 0 and drops the address).
- script begins / new start: the first line of the new holder's script: hastmon's start script
  (before it adds the address with service_scripts/ipaddr); keepalived's notify_master script (which
  keepalived runs after it has added the address itself).
- address up: ip monitor's report of the floating address on the new holder's interface.
- first answer: the client's first answer from the new holder; the client sends one UDP request to
  the floating address every 2 ms from its own namespace.
- longest gap / client outage: the longest time without any answer, from half a second before the
  act to 200 ms after the first answer from the new holder.
- idle CPU per node: CPU of the daemon's own processes (keepalived: parent and VRRP child; not
  scripts) over the idle window with the client stopped, as % of one core, from the scheduler's
  per-thread accounting (schedstat); utime+stime from /proc/PID/stat is in the JSON
  (cpuPercentTicks), at one clock tick's resolution. Range over the three nodes.
- RSS per node: VmRSS of the daemon's processes at the end of the idle window, median of the nodes.
- ratios: hastmon's median ÷ keepalived's at comparable timings (default vs advert 1 s, 20/100/100
  vs 0.1 s, 5/20/20 vs 0.01 s); graceful acts are compared with keepalived's TERM.
- a failed trial (no new holder, script line or answer within its bound) is counted, not retried,
  and left out of the figures.`;
