// Groups tokens into statements: `keyword arg… [{ statement… }]`, ended by the end of the line,
// `;` or the `}` of the enclosing section. Knows nothing of what the keywords mean.
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

  const readBlock = (opener: { header: string; line: number } | null): Statement[] => {
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
          readBlock({ header: '{', line: token.line });
          break;
        case 'string':
          errors.push({ line: token.line, message: `expected a keyword, found the quoted string "${token.text}"` });
          skipStatement();
          break;
        case 'word':
          advance();
          statements.push(readStatement(token.text, token.line));
          break;
      }
    }
  };

  const readStatement = (keyword: string, line: number): Statement => {
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
      statement.block = readBlock({ header, line: statement.line });
    }
    return statement;
  };

  const statements = readBlock(null);
  return { statements, errors };
}
