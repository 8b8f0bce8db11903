import { describe, expect, it } from 'vitest';
import { MAX_SECTION_DEPTH } from './defaults.js';
import { parseSyntax, type Statement } from './syntax.js';

interface Shape {
  keyword: string;
  line: number;
  args: string[];
  block?: Shape[];
}

const shape = (statements: Statement[]): Shape[] =>
  statements.map((s) => ({
    keyword: s.keyword,
    line: s.line,
    args: s.args.map((a) => a.text),
    ...(s.block === null ? {} : { block: shape(s.block) }),
  }));

describe('parseSyntax', () => {
  it('ends statements at the end of the line', () => {
    const result = parseSyntax('timeout 10\nattempts 3\n');
    expect(result.errors).toEqual([]);
    expect(shape(result.statements)).toEqual([
      { keyword: 'timeout', line: 1, args: ['10'] },
      { keyword: 'attempts', line: 2, args: ['3'] },
    ]);
  });

  it('accepts ; as a terminator and } as the end of the last statement', () => {
    const result = parseSyntax('key { algorithm sha256; secret "s" }');
    expect(result.errors).toEqual([]);
    expect(shape(result.statements)).toEqual([
      { keyword: 'key', line: 1, args: [], block: [
        { keyword: 'algorithm', line: 1, args: ['sha256'] },
        { keyword: 'secret', line: 1, args: ['s'] },
      ] },
    ]);
  });

  it('nests sections and accepts { on the next line', () => {
    const result = parseSyntax('resource r\n{\n  on a {\n    priority 1\n  }\n}\n');
    expect(result.errors).toEqual([]);
    expect(shape(result.statements)).toEqual([
      { keyword: 'resource', line: 1, args: ['r'], block: [
        { keyword: 'on', line: 3, args: ['a'], block: [{ keyword: 'priority', line: 4, args: ['1'] }] },
      ] },
    ]);
  });

  it('marks quoted arguments', () => {
    const [statement] = parseSyntax('exec "/a b"').statements;
    expect(statement?.args).toEqual([{ text: '/a b', quoted: true }]);
  });

  it('reports a } with no open section', () => {
    expect(parseSyntax('priority 1\n}\n').errors).toEqual([{ line: 2, message: "unexpected '}': no section is open here" }]);
  });

  it('reports a section never closed at the line that opened it', () => {
    expect(parseSyntax('resource r {\n  on a {\n    priority 1\n}\n').errors).toEqual([
      { line: 1, message: "'resource r' is never closed: expected '}'" },
    ]);
  });

  it('reports a { with no keyword before it', () => {
    const result = parseSyntax('{\n  priority 1\n}\nattempts 2\n');
    expect(result.errors).toEqual([{ line: 1, message: "unexpected '{': expected a keyword before it" }]);
    expect(shape(result.statements)).toEqual([{ keyword: 'attempts', line: 4, args: ['2'] }]);
  });

  it('reports a quoted string where a keyword belongs', () => {
    const result = parseSyntax('"exec" /a\nattempts 2\n');
    expect(result.errors).toEqual([{ line: 1, message: 'expected a keyword, found the quoted string "exec"' }]);
    expect(shape(result.statements)).toEqual([{ keyword: 'attempts', line: 2, args: ['2'] }]);
  });

  it('reads sections nested as deep as the limit', () => {
    const text = `${'a {\n'.repeat(MAX_SECTION_DEPTH)}${'}\n'.repeat(MAX_SECTION_DEPTH)}`;
    expect(parseSyntax(text).errors).toEqual([]);
  });

  it('refuses a section one deeper than the limit, at its line, and reads on after it', () => {
    const depth = MAX_SECTION_DEPTH + 1;
    const text = `${'a {\n'.repeat(depth)}b {\n}\n${'}\n'.repeat(depth)}after 1\n`;
    const result = parseSyntax(text);
    expect(result.errors).toEqual([{ line: depth, message: expect.stringContaining(`nested more than ${MAX_SECTION_DEPTH} deep`) as string }]);
    expect(result.statements.map((s) => s.keyword)).toEqual(['a', 'after']);
  });

  it('refuses 100,000 nested sections without exhausting the stack', () => {
    const result = parseSyntax(`resource r ${'{'.repeat(100_000)}\n`);
    expect(result.errors.filter((e) => e.message.includes(`nested more than ${MAX_SECTION_DEPTH} deep`))).toHaveLength(1);
    // The braces within the limit each get their one line: a few dozen, not one per brace.
    expect(result.errors.length).toBeLessThan(3 * MAX_SECTION_DEPTH);
    expect(result.errors.every((e) => e.line === 1)).toBe(true);
  });
});
