// Splits hastmon.conf into tokens. Line ends are tokens: a statement ends at the end of its line.

export type Token =
  | { kind: 'word'; text: string; line: number }
  | { kind: 'string'; text: string; line: number }
  | { kind: 'open' | 'close' | 'semicolon' | 'eol' | 'eof'; line: number };

export interface LexResult {
  tokens: Token[];
  /** Problems found while splitting, with the line they are on. */
  errors: { line: number; message: string }[];
}

const SPECIAL = new Set(['{', '}', ';', '"', '#']);

function isSpace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\f' || ch === '\v';
}

export function tokenize(text: string): LexResult {
  const tokens: Token[] = [];
  const errors: { line: number; message: string }[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '\n') {
      tokens.push({ kind: 'eol', line });
      line += 1;
      i += 1;
    } else if (isSpace(ch)) {
      i += 1;
    } else if (ch === '#') {
      while (i < text.length && text[i] !== '\n') i += 1;
    } else if (ch === '{') {
      tokens.push({ kind: 'open', line });
      i += 1;
    } else if (ch === '}') {
      tokens.push({ kind: 'close', line });
      i += 1;
    } else if (ch === ';') {
      tokens.push({ kind: 'semicolon', line });
      i += 1;
    } else if (ch === '"') {
      i = readString(text, i, line, tokens, errors);
    } else {
      const start = i;
      while (i < text.length && !isSpace(text[i] as string) && text[i] !== '\n' && !SPECIAL.has(text[i] as string)) i += 1;
      tokens.push({ kind: 'word', text: text.slice(start, i), line });
    }
  }
  tokens.push({ kind: 'eof', line });
  return { tokens, errors };
}

/**
 * Reads a quoted string starting at the opening quote; returns the index after it. A string
 * never spans lines, so a missing closing quote is reported on its own line and the rest of
 * the file is still read. Only `\"` and `\\` are escapes: secrets may contain other backslashes.
 */
function readString(
  text: string,
  open: number,
  line: number,
  tokens: Token[],
  errors: { line: number; message: string }[],
): number {
  let value = '';
  let i = open + 1;
  while (i < text.length && text[i] !== '\n') {
    const ch = text[i] as string;
    if (ch === '"') {
      tokens.push({ kind: 'string', text: value, line });
      return i + 1;
    }
    const next = text[i + 1];
    if (ch === '\\' && (next === '"' || next === '\\')) {
      value += next;
      i += 2;
    } else {
      value += ch;
      i += 1;
    }
  }
  errors.push({ line, message: 'unterminated string: expected a closing \'"\' on the same line' });
  // Keep what was read, so the statement is not reported a second time as missing its argument.
  tokens.push({ kind: 'string', text: value, line });
  return i;
}
