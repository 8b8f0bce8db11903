// The transcript file format, in the manner of etcd raft's testdata: blocks of commands, one per
// line, then a line `----`, then the expected output up to the next blank line. Lines starting
// with `#` are comments. Rewriting replaces the expected output of each block and keeps every
// other byte of the file as it was.

export interface Block {
  /** Line number (1-based) of the block's first command. */
  line: number;
  commands: { line: number; text: string }[];
  expected: string[];
  /** Where the expected output sits in the file's lines: [start, end). */
  outputStart: number;
  outputEnd: number;
}

export interface Transcript {
  lines: string[];
  blocks: Block[];
}

export const SEPARATOR = '----';

const isComment = (line: string): boolean => line.trimStart().startsWith('#');

export function parseTranscript(text: string, file = 'transcript'): Transcript {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] as string;
    if (line.trim() === '' || isComment(line)) {
      i++;
      continue;
    }
    const block: Block = { line: i + 1, commands: [], expected: [], outputStart: 0, outputEnd: 0 };
    for (; i < lines.length && lines[i] !== SEPARATOR; i++) {
      const input = lines[i] as string;
      if (input.trim() === '') throw new Error(`${file}:${i + 1}: a blank line among commands; end them with ${SEPARATOR}`);
      if (!isComment(input)) block.commands.push({ line: i + 1, text: input.trim() });
    }
    if (i >= lines.length) throw new Error(`${file}:${block.line}: commands without a ${SEPARATOR} line after them`);
    i++; // the separator
    block.outputStart = i;
    for (; i < lines.length && (lines[i] as string).trim() !== ''; i++) block.expected.push(lines[i] as string);
    block.outputEnd = i;
    blocks.push(block);
  }
  return { lines, blocks };
}

/** The file with each block's expected output replaced by `outputs[i]`. */
export function rewriteTranscript(transcript: Transcript, outputs: readonly string[][]): string {
  const lines = [...transcript.lines];
  for (let b = transcript.blocks.length - 1; b >= 0; b--) {
    const block = transcript.blocks[b] as Block;
    lines.splice(block.outputStart, block.outputEnd - block.outputStart, ...(outputs[b] ?? []));
  }
  return `${lines.join('\n')}\n`;
}

/** A line diff, `-` expected, `+` actual, ` ` both (longest common subsequence). */
export function diffLines(expected: readonly string[], actual: readonly string[]): string[] {
  const n = expected.length;
  const m = actual.length;
  // common[i][j]: length of the longest common subsequence of expected[i..] and actual[j..].
  const common: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      const row = common[i] as number[];
      row[j] = expected[i] === actual[j] ? (common[i + 1]?.[j + 1] ?? 0) + 1 : Math.max(common[i + 1]?.[j] ?? 0, row[j + 1] ?? 0);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && expected[i] === actual[j]) {
      out.push(`  ${expected[i++] as string}`);
      j++;
    } else if (j < m && (i >= n || (common[i]?.[j + 1] ?? 0) >= (common[i + 1]?.[j] ?? 0))) {
      out.push(`+ ${actual[j++] as string}`);
    } else {
      out.push(`- ${expected[i++] as string}`);
    }
  }
  return out;
}
