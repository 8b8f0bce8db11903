// npm run bench:compare: hastmon beside keepalived, in network namespaces of its own, in one run.
// For each pair of comparable timings it starts three nodes of each daemon, measures their idle CPU
// and memory, then kill -9 and graceful failovers: when the new holder's script begins, when the
// floating address is up, and what a client sending to that address every 2 ms sees. It knows the
// daemons only by their launchers, their configuration files and service_scripts/ipaddr.
// See bench/compare/report.ts for what each printed figure measures, and --help for the options.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildRevision, type BeforeBuild } from './compare/before.js';
import { Harness } from './compare/harness.js';
import { HastmonSubject } from './compare/hastmon-subject.js';
import { Baseline, measureIdle } from './compare/idle.js';
import { KeepalivedSubject } from './compare/keepalived-subject.js';
import { AddressMonitor, AnswerLog, RecordLog } from './compare/observers.js';
import { parseOptions, USAGE, type Options } from './compare/options.js';
import { detailTable, LEGEND, memoryLine, ratioTable, summaryTable, type RunReport, type SubjectResult } from './compare/report.js';
import { sleep } from './compare/shell.js';
import { subjectLabel, type Subject } from './compare/subject.js';
import { ensureTools, keepalivedVersion } from './compare/system.js';
import { Topology, removeLeftovers } from './compare/topology.js';
import { gracefulTrial, killTrial, type Trial } from './compare/trials.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** sysexits(3). */
const EX_USAGE = 64;
const EX_NOINPUT = 66;
const EX_UNAVAILABLE = 69;
const EX_SOFTWARE = 70;
const EX_NOPERM = 77;
/** Two trials in a row that fail to find a settled cluster end that daemon's measurement. */
const MAX_FAILURES_IN_A_ROW = 2;

function log(line: string): void {
  process.stderr.write(`bench/compare: ${line}\n`);
}

function fmt(value: number | undefined): string {
  return value === undefined ? '–' : value < 10 ? value.toFixed(1) : String(Math.round(value));
}

function describe(trial: Trial): string {
  if (!trial.ok) return `FAILED: ${trial.failure ?? 'unknown'}`;
  return `script ${fmt(trial.startMs)}, address ${fmt(trial.addressMs)}, answer ${fmt(trial.answerMs)}, gap ${fmt(trial.gapMs)} ms (${trial.from} -> ${trial.to ?? '?'})`;
}

/** Everything the run made, undone once: daemons, observers, namespaces, directories, the worktree. */
class Cleanup {
  private done: Promise<void> | undefined;
  harness: Harness | undefined;
  answers: AnswerLog | undefined;
  addresses: AddressMonitor | undefined;
  baseline: Baseline | undefined;
  topology: Topology | undefined;
  workDir: string | undefined;
  keepWorkDir = false;
  before: BeforeBuild | undefined;

  run(): Promise<void> {
    this.done ??= this.undo();
    return this.done;
  }

  private async undo(): Promise<void> {
    this.harness?.killAll();
    this.harness?.stopEchoes();
    this.answers?.stop();
    this.addresses?.stop();
    this.baseline?.stop();
    // Killed processes leave their namespaces once reaped; deleting a namespace only drops its name anyway.
    await sleep(100);
    await this.topology?.destroy();
    if (this.workDir !== undefined) {
      if (this.keepWorkDir) log(`kept ${this.workDir}`);
      else rmSync(this.workDir, { recursive: true, force: true });
    }
    await this.before?.remove();
  }
}

function subjectsFor(options: Options, workDir: string, topology: Topology, records: string, keepalived: boolean, before: BeforeBuild | undefined): Subject[] {
  return options.pairs.flatMap((pair, index) => [
    ...(keepalived ? [new KeepalivedSubject(pair.advertSeconds, index, workDir, topology, records)] : []),
    new HastmonSubject('hastmon', ROOT, pair.hastmon, index, workDir, topology, records),
    ...(before !== undefined ? [new HastmonSubject('hastmon (before)', before.root, pair.hastmon, index, workDir, topology, records)] : []),
  ]);
}

async function measure(harness: Harness, subject: Subject, options: Options, baseline: Baseline, report: RunReport): Promise<SubjectResult> {
  const result: SubjectResult = { daemon: subject.daemon, timing: subject.timing, pair: subject.pair, series: [] };
  const name = subjectLabel(subject);
  const refused = await subject.prepare();
  if (refused !== undefined) {
    log(`${name}: not measured: ${refused}`);
    return { ...result, skipped: refused };
  }
  try {
    log(`${name}: starting three nodes`);
    await harness.startAll(subject);
    await harness.settle(subject);
    log(`${name}: idle for ${options.idleSeconds} s`);
    result.idle = await measureIdle(harness, options.idleSeconds * 1000);
    const baselineKb = baseline.rssKb();
    if (baselineKb !== undefined) report.baselineRssKb = baselineKb;
    log(`${name}: idle CPU ${result.idle.map((i) => `${i.node} ${i.cpuPercent.toFixed(3)} %`).join(', ')}; RSS ${result.idle.map((i) => `${(i.rssKb / 1024).toFixed(1)} MiB`).join(', ')}`);
    const acts: Array<[string, () => Promise<Trial>]> = [
      ['kill -9', () => killTrial(harness, subject)],
      ...subject.graceful.map((act): [string, () => Promise<Trial>] => [act.name, () => gracefulTrial(harness, subject, act)]),
    ];
    for (const [act, trial] of acts) {
      const trials: Trial[] = [];
      result.series.push({ act, trials });
      let failuresInARow = 0;
      for (let i = 0; i < options.trials; i++) {
        let outcome: Trial;
        try {
          outcome = await trial();
          failuresInARow = 0;
        } catch (error) {
          outcome = { ok: false, from: '?', failure: (error as Error).message };
          if (++failuresInARow >= MAX_FAILURES_IN_A_ROW) {
            trials.push(outcome);
            throw new Error(`${failuresInARow} trials in a row failed: ${(error as Error).message}`);
          }
          log(`${name}: starting the cluster again after: ${(error as Error).message}`);
          await harness.restart();
        }
        trials.push(outcome);
        log(`${name}: ${act} ${i + 1}/${options.trials}: ${describe(outcome)}`);
      }
    }
  } catch (error) {
    result.aborted = (error as Error).message;
    log(`${name}: stopped: ${result.aborted}`);
  } finally {
    await harness.stopAll();
    for (const node of ['n1', 'n2', 'n3'] as const) await harness.topology.restore(node);
  }
  return result;
}

async function main(): Promise<number> {
  let options: Options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`bench/compare: ${(error as Error).message}\n${USAGE}\n`);
    return EX_USAGE;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (process.platform !== 'linux' || process.getuid?.() !== 0) {
    log('needs root on Linux: it creates network namespaces, veths and addresses; run it as root (sudo npm run bench:compare)');
    return EX_NOPERM;
  }
  if (!existsSync(join(ROOT, 'dist', 'cli', 'hastmon.js'))) {
    log('dist/cli/hastmon.js is missing: run npm run build first (npm run bench:compare does)');
    return EX_NOINPUT;
  }
  const notes: string[] = [];
  const tools = await ensureTools(log);
  for (const tool of tools.missing) {
    const line = `${tool.command} is missing and could not be installed (${tool.why})`;
    if (tool.required) {
      log(line);
      return EX_UNAVAILABLE;
    }
    log(`${line}: ${tool.command === 'keepalived' ? "keepalived's rows are skipped" : 'measuring without it'}`);
    notes.push(line);
  }
  if (tools.installed.length > 0) notes.push(`installed with apt-get: ${tools.installed.join(', ')}`);
  const haveKeepalived = options.keepalived && !tools.missing.some((t) => t.command === 'keepalived');

  const cleanup = new Cleanup();
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`${signal}: cleaning up`);
    void cleanup.run().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const report: RunReport = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', kernel: release(), node: process.version },
    options: { trials: options.trials, idleSeconds: options.idleSeconds, pairs: options.pairs, ...(options.before !== undefined ? { before: options.before } : {}) },
    notes,
    subjects: [],
  };
  try {
    if (haveKeepalived) {
      const version = await keepalivedVersion();
      if (version !== undefined) report.machine.keepalived = version;
    }
    if (options.before !== undefined) {
      cleanup.before = await buildRevision(ROOT, options.before, log);
      report.options.before = cleanup.before.revision;
    }
    await removeLeftovers(log);
    const workDir = mkdtempSync(join(tmpdir(), `hmcmp-${process.pid}-`));
    cleanup.workDir = workDir;
    cleanup.keepWorkDir = options.keep;
    const recordsPath = join(workDir, 'records');
    writeFileSync(recordsPath, '');

    const topology = new Topology(process.pid);
    cleanup.topology = topology;
    await topology.create();
    const answers = new AnswerLog();
    cleanup.answers = answers;
    const addresses = new AddressMonitor();
    cleanup.addresses = addresses;
    addresses.start(topology);
    const harness = new Harness(topology, answers, addresses, new RecordLog(recordsPath));
    cleanup.harness = harness;
    for (const node of ['n1', 'n2', 'n3'] as const) harness.startEcho(node);
    answers.start(topology);
    const baseline = new Baseline();
    cleanup.baseline = baseline;
    baseline.start(topology);

    const subjects = subjectsFor(options, workDir, topology, recordsPath, haveKeepalived, cleanup.before);
    if (!options.keepalived) notes.push('keepalived not measured (--no-keepalived)');
    log(`${subjects.length} daemons and timings, ${options.trials} trials per act, ${options.idleSeconds} s idle each; namespaces ${topology.switchNs.replace(/-sw$/, '-*')}`);
    for (const subject of subjects) report.subjects.push(await measure(harness, subject, options, baseline, report));

    if (!haveKeepalived && options.keepalived) {
      for (const pair of options.pairs) {
        report.subjects.unshift({ daemon: 'keepalived', timing: `advert ${pair.advertSeconds} s`, pair: options.pairs.indexOf(pair), skipped: 'keepalived is not installed', series: [] });
      }
    }
    const out = [
      '',
      `bench:compare, ${report.date}, ${report.machine.cpus} × ${report.machine.model}, Linux ${report.machine.kernel}, Node ${report.machine.node}${report.machine.keepalived !== undefined ? `, ${report.machine.keepalived}` : ''}`,
      `${options.trials} trials per act; idle window ${options.idleSeconds} s${report.options.before !== undefined ? `; before = ${report.options.before}` : ''}`,
      ...notes.map((n) => `note: ${n}`),
      ...report.subjects.filter((s) => s.skipped !== undefined).map((s) => `note: ${s.daemon}, ${s.timing} not measured: ${s.skipped ?? ''}`),
      ...report.subjects.filter((s) => s.aborted !== undefined).map((s) => `note: ${s.daemon}, ${s.timing} stopped early: ${s.aborted ?? ''}`),
      '',
      summaryTable(report),
      '',
      detailTable(report),
      '',
      ratioTable(report),
      '',
      memoryLine(report),
      '',
      LEGEND,
      '',
    ];
    process.stdout.write(out.join('\n'));
    if (options.json !== undefined) {
      writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
      log(`figures saved in ${options.json}`);
    }
    return 0;
  } catch (error) {
    log((error as Error).message);
    return EX_SOFTWARE;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup.run();
  }
}

process.exitCode = await main();
