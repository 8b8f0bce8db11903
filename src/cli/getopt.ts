// POSIX getopt: `-dF` combines flags, `-c FILE` and `-cFILE` both give an argument, `--` ends
// the options, and the first operand ends them too.

export interface GetoptSpec {
  /** Option letters that take no argument. */
  flags: string;
  /** Option letters that take one argument. */
  withArgument: string;
}

export interface ParsedOption {
  letter: string;
  /** The argument, or null for a flag. */
  value: string | null;
}

export type GetoptResult =
  | { ok: true; options: ParsedOption[]; operands: string[] }
  | { ok: false; message: string };

export function getopt(argv: readonly string[], spec: GetoptSpec): GetoptResult {
  const options: ParsedOption[] = [];
  let i = 0;
  for (; i < argv.length; i += 1) {
    const word = argv[i] as string;
    if (word === '--') {
      i += 1;
      break;
    }
    if (!word.startsWith('-') || word === '-') break;
    for (let j = 1; j < word.length; j += 1) {
      const letter = word[j] as string;
      if (spec.flags.includes(letter)) {
        options.push({ letter, value: null });
        continue;
      }
      if (!spec.withArgument.includes(letter)) return { ok: false, message: `unknown option -${letter}` };
      let value = word.slice(j + 1);
      if (value === '') {
        i += 1;
        const next = argv[i];
        if (next === undefined) return { ok: false, message: `option -${letter} requires an argument` };
        value = next;
      }
      options.push({ letter, value });
      break;
    }
  }
  return { ok: true, options, operands: argv.slice(i) };
}
