// hastmon's option letters, alone in a module that imports nothing heavy: the launcher reads them
// before it loads the command (src/cli/memory-mode.ts).
import type { GetoptSpec } from './getopt.js';

/** The option letters that only -S takes, each with an argument. */
export const WHAT_IF_LETTERS = 'RrHpgx';

/** hastmon's options: the letters parseHastmonArgs accepts, and hastmon(8) documents. */
export const HASTMON_GETOPT: Readonly<GetoptSpec> = { flags: 'dFhkmSt', withArgument: `cPlLsnNACDEI${WHAT_IF_LETTERS}` };
