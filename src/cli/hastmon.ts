// The hastmon command: parse the flags, load this node's configuration, then check it (-t) or
// start the daemon; or simulate every node of the configuration (-S, what-if.ts). Importing it does nothing; bin/hastmon installs the signal handlers first
// (early-signals.js), then calls runHastmon.
import { DEFAULT_CONFIG_PATH, DEFAULT_PID_FILE } from '../config/defaults.js';
import { runDaemon } from '../daemon.js';
import { isDetachedChild, reportStartup, writeDetachedStderr } from '../io/detach.js';
import { stderrIsJournal, withJournalPriorities } from '../io/log-destination.js';
import { HASTMON_USAGE, parseHastmonArgs } from './args.js';
import { systemLookup, type LookupAll } from '../io/name-resolver.js';
import { configure } from './configure.js';
import { EX_CONFIG, EX_OK, EX_SOFTWARE, EX_USAGE } from './exit-codes.js';
import { shortHostname } from './node-name.js';
import type { CoreFactory } from '../sim/sim-core.js';

export interface HastmonIo {
  stdout(text: string): void;
  stderr(text: string): void;
  defaultConfigPath: string;
  defaultNodeName: string;
  /** How -t looks names up (the system's resolver unless a test gives another). */
  lookup?: LookupAll;
  /** The core -S simulates (the real one unless a test gives a weakened one). */
  coreFactory?: CoreFactory;
}

/**
 * The running process's io. In a background start's detached child, stderr is the log file or
 * /dev/null, and what it says during start-up goes to the waiting parent too; under systemd each
 * line carries its `<N>` priority for the journal.
 */
export function processIo(): HastmonIo {
  const journal = stderrIsJournal();
  const stderr = isDetachedChild()
    ? writeDetachedStderr
    : (text: string): void => void process.stderr.write(journal ? withJournalPriorities(text) : text);
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr,
    defaultConfigPath: DEFAULT_CONFIG_PATH,
    defaultNodeName: shortHostname(),
  };
}

/** Runs hastmon with these arguments; resolves to the exit status (sysexits(3)). */
export async function runHastmon(argv: readonly string[], io: HastmonIo): Promise<number> {
  let code: number;
  try {
    code = await hastmon(argv, io);
  } catch (error) {
    io.stderr(`hastmon: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    code = EX_SOFTWARE;
  }
  // A background daemon that ends before it was up tells the waiting parent why (no-op otherwise).
  await reportStartup(code);
  return code;
}

async function hastmon(argv: readonly string[], io: HastmonIo): Promise<number> {
  const parsed = parseHastmonArgs(argv);
  if (!parsed.ok) {
    io.stderr(`hastmon: ${parsed.message}\n${HASTMON_USAGE}`);
    return EX_USAGE;
  }
  const args = parsed.args;
  if (args.help) {
    io.stdout(HASTMON_USAGE);
    return EX_OK;
  }
  // What only -k, -S and -t need is loaded only for them: the running daemon keeps none of it in memory.
  if (args.generateKey) {
    const [{ randomBytes }, { GENERATED_KEY_BYTES, keySection }] = await Promise.all([import('node:crypto'), import('../config/key.js')]);
    io.stdout(keySection(randomBytes(GENERATED_KEY_BYTES).toString('hex')));
    return EX_OK;
  }
  if (args.whatIf !== undefined) return (await import('./what-if.js')).runWhatIfMode(args, args.whatIf, io);
  const configured = await configure(args, {
    defaultConfigPath: io.defaultConfigPath,
    defaultNodeName: io.defaultNodeName,
  });
  if (!configured.ok) {
    io.stderr(configured.messages.map((m) => `${m}\n`).join(''));
    return configured.code;
  }
  // A background start's child reads the same configuration: its parent printed the warnings.
  if (!isDetachedChild()) for (const warning of configured.warnings) io.stderr(`hastmon: warning: ${warning}\n`);
  if (args.check) {
    const { checkBeforeStart, etcdSummary, freehadSummary, httpSummary, unresolvedNames } = await import('./check.js');
    if (configured.configPath === null) io.stdout(freehadSummary(io.defaultConfigPath, configured.config));
    for (const warning of await unresolvedNames(configured.config, io.lookup ?? systemLookup)) io.stderr(`hastmon: warning: ${warning}\n`);
    const problems = checkBeforeStart(configured.config);
    if (problems.length > 0) {
      io.stderr(problems.map((p) => `hastmon: ${p}\n`).join(''));
      return EX_CONFIG;
    }
    const http = httpSummary(configured.config);
    if (http !== null) io.stdout(http);
    io.stdout(etcdSummary(configured.config));
    io.stdout('configuration OK\n');
    return EX_OK;
  }
  return runDaemon({
    configPath: configured.configPath,
    config: configured.config,
    pidFile: args.pidFile ?? DEFAULT_PID_FILE,
    logFile: args.logFile ?? null,
    foreground: args.foreground,
    debug: args.debug,
    forceStart: args.forceStart,
  }, io);
}
