// The hastmon command: parse the flags, load this node's configuration, then check it (-t) or
// start the daemon.
import './early-signals.js';
import { randomBytes } from 'node:crypto';
import { DEFAULT_CONFIG_PATH, DEFAULT_PID_FILE } from '../config/defaults.js';
import { GENERATED_KEY_BYTES, keySection } from '../config/key.js';
import { runDaemon } from '../daemon.js';
import { HASTMON_USAGE, parseHastmonArgs } from './args.js';
import { configure } from './configure.js';
import { EX_OK, EX_SOFTWARE, EX_USAGE } from './exit-codes.js';
import { shortHostname } from './node-name.js';

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseHastmonArgs(argv);
  if (!parsed.ok) {
    process.stderr.write(`hastmon: ${parsed.message}\n${HASTMON_USAGE}`);
    return EX_USAGE;
  }
  const args = parsed.args;
  if (args.help) {
    process.stdout.write(HASTMON_USAGE);
    return EX_OK;
  }
  if (args.generateKey) {
    process.stdout.write(keySection(randomBytes(GENERATED_KEY_BYTES).toString('hex')));
    return EX_OK;
  }
  const configured = await configure(args, {
    defaultConfigPath: DEFAULT_CONFIG_PATH,
    defaultNodeName: shortHostname(),
  });
  if (!configured.ok) {
    process.stderr.write(configured.messages.map((m) => `${m}\n`).join(''));
    return configured.code;
  }
  for (const warning of configured.warnings) process.stderr.write(`hastmon: ${warning}\n`);
  if (args.check) {
    process.stdout.write('configuration OK\n');
    return EX_OK;
  }
  return runDaemon({
    configPath: configured.configPath,
    config: configured.config,
    pidFile: args.pidFile ?? DEFAULT_PID_FILE,
    foreground: args.foreground,
    debug: args.debug,
    forceStart: args.forceStart,
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`hastmon: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = EX_SOFTWARE;
  },
);
