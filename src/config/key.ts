// `key { algorithm sha256; secret "…" }` or `key { algorithm sha256; secret_file PATH }`.
import type { KeySpec } from './model.js';
import type { Statement } from './syntax.js';
import { parseAbsolutePath, parseChoice } from './values.js';

const INNER = ['algorithm', 'secret', 'secret_file'];

type Fields = Map<string, { value: string; line: number }>;

/** Random bytes in a key `hastmon -k` makes: 256 bits, as many as HMAC-SHA256's output. */
export const GENERATED_KEY_BYTES = 32;

/** The key section for `secret` (hex or other quote-free text), ready to paste into hastmon.conf. */
export function keySection(secret: string): string {
  if (!/^[^"\\\s]+$/.test(secret)) throw new Error('a generated secret is written without quotes or white space');
  return `key {\n        algorithm sha256\n        secret "${secret}"\n}\n`;
}

/** The key of a `key` statement, or null after reporting what is wrong with it. */
export function parseKeyBlock(
  statement: Statement,
  block: readonly Statement[],
  report: (line: number, message: string) => void,
): KeySpec | null {
  let failed = false;
  const complain = (line: number, message: string): void => {
    failed = true;
    report(line, message);
  };
  if (statement.args.length > 0) {
    complain(statement.line, `unexpected '${statement.args.map((a) => a.text).join(' ')}' after 'key': expected '{'`);
  }
  const fields: Fields = new Map();
  for (const inner of block) {
    const problem = readField(inner, fields);
    if (problem !== null) complain(inner.line, problem);
  }
  const algorithm = fields.get('algorithm');
  if (algorithm !== undefined) {
    const parsed = parseChoice(algorithm.value, 'algorithm', ['sha256'] as const);
    if (!parsed.ok) complain(algorithm.line, parsed.message);
  }
  const secret = fields.get('secret');
  const secretFile = fields.get('secret_file');
  let key: KeySpec | null = null;
  if (secret !== undefined && secretFile !== undefined) {
    complain(secretFile.line, "key has both 'secret' and 'secret_file': expected one of them");
  } else if (secret !== undefined) {
    if (secret.value === '') complain(secret.line, 'empty secret: expected at least one character');
    else key = { algorithm: 'sha256', source: 'secret', secret: secret.value };
  } else if (secretFile !== undefined) {
    const path = parseAbsolutePath(secretFile.value, 'secret_file');
    if (!path.ok) complain(secretFile.line, path.message);
    else key = { algorithm: 'sha256', source: 'secret_file', path: path.value };
  } else {
    complain(statement.line, 'key has no secret: expected \'secret "…"\' or \'secret_file PATH\' inside it');
  }
  return failed ? null : key;
}

/** Records one statement of the key block; returns what is wrong with it, or null. */
function readField(inner: Statement, fields: Fields): string | null {
  if (!INNER.includes(inner.keyword)) {
    return `unknown keyword '${inner.keyword}' in key: expected algorithm, secret or secret_file`;
  }
  if (inner.block !== null) return `'${inner.keyword}' does not open a section: unexpected '{'`;
  const earlier = fields.get(inner.keyword);
  if (earlier !== undefined) return `duplicate '${inner.keyword}' in key (first given at line ${earlier.line})`;
  const [arg] = inner.args;
  if (arg === undefined) {
    return `missing argument: ${inner.keyword} expects ${inner.keyword === 'secret' ? 'a quoted string' : 'a value'}`;
  }
  if (inner.args.length > 1) return `${inner.keyword} takes one argument, found ${inner.args.length}`;
  fields.set(inner.keyword, { value: arg.text, line: inner.line });
  return null;
}
