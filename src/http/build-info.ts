// hastmon's version, for hastmon_build_info: package.json's, read once.
import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The version in package.json (beside src/ and dist/ alike), or 'unknown' if it cannot be read. */
export function hastmonVersion(): string {
  if (cached !== undefined) return cached;
  try {
    const parsed = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    cached = typeof parsed.version === 'string' ? parsed.version : 'unknown';
  } catch {
    cached = 'unknown';
  }
  return cached;
}
