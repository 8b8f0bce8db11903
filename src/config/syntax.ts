// Groups tokens into statements: `keyword arg… [{ statement… }]`, ended by the end of the line,
// `;` or the `}` of the enclosing section. Knows nothing of what the keywords mean.
import { MAX_SECTION_DEPTH } from './defaults.js';
import { tokenize, type Token } from './lexer.js';

export interface Arg {
  text: string;
  /** Written in double quotes: never a keyword. */
  quoted: boolean;
}

export interface Statement {
  keyword: string;
  line: number;
  args: Arg[];
  /** The statements between `{` and `}`, or null when the statement opens no section. */
  block: Statement[] | null;
}

export interface SyntaxResult {
  statements: Statement[];
  errors: { line: number; message: string }[];
}

export function parseSyntax(text: string): SyntaxResult {
  const { tokens, errors } = tokenize(text);
  let pos = 0;
  // The last token is always eof and the cursor never moves past it.
  const peek = (): Token => tokens[pos] as Token;
  const advance = (): Token => {
    const token = peek();
    if (token.kind !== 'eof') pos += 1;
    return token;
  };

  const skipStatement = (): void => {
    for (let t = peek(); t.kind === 'word' || t.kind === 'string' || t.kind === 'open'; t = peek()) advance();
  };

  /**
   * Passes over a section opened too deep, its `{` already read, without descending into it: the
   * nesting of a hostile file must not decide how deep the parser's own stack goes.
   */
  const skipSection = (opener: { header: string; line: number }): void => {
    errors.push({
      line: opener.line,
      message: `'${opener.header}' opens a section nested more than ${MAX_SECTION_DEPTH} deep: hastmon.conf nests at most three (resource, on, and the file itself)`,
    });
    let open = 1;
    while (open > 0) {
      const token = advance();
      if (token.kind === 'open') open += 1;
      else if (token.kind === 'close') open -= 1;
      else if (token.kind === 'eof') return; // the sections around it say they are never closed
    }
  };

  /** Reads `{ … }` at `depth` (1 for a section at the top of the file), or skips it when too deep. */
  const readSection = (opener: { header: string; line: number }, depth: number): Statement[] => {
    if (depth > MAX_SECTION_DEPTH) {
      skipSection(opener);
      return [];
    }
    return readBlock(opener, depth);
  };

  const readBlock = (opener: { header: string; line: number } | null, depth: number): Statement[] => {
    const statements: Statement[] = [];
    for (;;) {
      const token = peek();
      switch (token.kind) {
        case 'eol':
        case 'semicolon':
          advance();
          break;
        case 'eof':
          if (opener !== null) {
            errors.push({ line: opener.line, message: `'${opener.header}' is never closed: expected '}'` });
          }
          return statements;
        case 'close':
          advance();
          if (opener !== null) return statements;
          errors.push({ line: token.line, message: "unexpected '}': no section is open here" });
          break;
        case 'open':
          advance();
          errors.push({ line: token.line, message: "unexpected '{': expected a keyword before it" });
          readSection({ header: '{', line: token.line }, depth + 1);
          break;
        case 'string':
          errors.push({ line: token.line, message: `expected a keyword, found the quoted string "${token.text}"` });
          skipStatement();
          break;
        case 'word':
          advance();
          statements.push(readStatement(token.text, token.line, depth));
          break;
      }
    }
  };

  const readStatement = (keyword: string, line: number, depth: number): Statement => {
    const statement: Statement = { keyword, line, args: [], block: null };
    for (let t = peek(); t.kind === 'word' || t.kind === 'string'; t = peek()) {
      advance();
      statement.args.push({ text: t.text, quoted: t.kind === 'string' });
    }
    // A section's `{` may also stand alone on the next line.
    if (peek().kind === 'eol') {
      let ahead = pos;
      while (tokens[ahead]?.kind === 'eol') ahead += 1;
      if (tokens[ahead]?.kind === 'open') pos = ahead;
    }
    if (peek().kind === 'open') {
      advance();
      const header = [statement.keyword, ...statement.args.map((a) => a.text)].join(' ');
      statement.block = readSection({ header, line: statement.line }, depth + 1);
    }
    return statement;
  };

  const statements = readBlock(null, 0);
  return { statements, errors };
}
