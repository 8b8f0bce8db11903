import { describe, expect, it } from 'vitest';
import { tokenize } from './lexer.js';

const shapes = (text: string): string[] =>
  tokenize(text).tokens.map((t) => (t.kind === 'word' || t.kind === 'string' ? `${t.kind}:${t.text}@${t.line}` : `${t.kind}@${t.line}`));

describe('tokenize', () => {
  it('splits words, braces and semicolons and counts lines', () => {
    expect(shapes('on lolek {\n  remote tcp4://bolek\n}\n')).toEqual([
      'word:on@1', 'word:lolek@1', 'open@1', 'eol@1',
      'word:remote@2', 'word:tcp4://bolek@2', 'eol@2',
      'close@3', 'eol@3', 'eof@4',
    ]);
  });

  it('ends words at braces and semicolons written without spaces', () => {
    expect(shapes('key{algorithm sha256;secret "s"}')).toEqual([
      'word:key@1', 'open@1', 'word:algorithm@1', 'word:sha256@1', 'semicolon@1', 'word:secret@1', 'string:s@1', 'close@1', 'eof@1',
    ]);
  });

  it('drops comments to the end of the line but not inside strings', () => {
    expect(shapes('priority 0 # preferred\nsecret "a#b" # c\n')).toEqual([
      'word:priority@1', 'word:0@1', 'eol@1', 'word:secret@2', 'string:a#b@2', 'eol@2', 'eof@3',
    ]);
  });

  it('reads \\" and \\\\ as escapes and keeps other backslashes', () => {
    const [token] = tokenize('"a\\"b\\\\c\\d"').tokens;
    expect(token).toEqual({ kind: 'string', text: 'a"b\\c\\d', line: 1 });
  });

  it('reports an unterminated string on its line and reads on', () => {
    const result = tokenize('secret "abc\npriority 1\n');
    expect(result.errors).toEqual([{ line: 1, message: 'unterminated string: expected a closing \'"\' on the same line' }]);
    expect(result.tokens.map((t) => t.kind)).toEqual(['word', 'string', 'eol', 'word', 'word', 'eol', 'eof']);
  });

  it('keeps [v6]:port and colons inside one word', () => {
    expect(shapes('remote [::1]:8458 udp://h:1')).toEqual(['word:remote@1', 'word:[::1]:8458@1', 'word:udp://h:1@1', 'eof@1']);
  });
});
