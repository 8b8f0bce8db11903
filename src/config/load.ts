// The one place the configuration module touches the file system: reading hastmon.conf.
import { readFile } from 'node:fs/promises';
import { parseConfig, type ParseResult } from './parse.js';

/** The parsed file, or null when no file exists at `path` (freehad mode, unless one was asked for). */
export async function loadConfigFile(path: string): Promise<ParseResult | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, errors: [{ file: path, line: 0, message: `cannot read the configuration file: ${reason}` }] };
  }
  return parseConfig(text, path);
}
