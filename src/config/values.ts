// Text to value for one argument: times, counts, paths. Each failure says what was expected.

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const fail = <T>(message: string): Parsed<T> => ({ ok: false, message });

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * `200ms`, `1s`, `1.5s`, `2m`, `1h`; a bare number is seconds, as HASTMON's `timeout` and
 * `heartbeat_interval` were. Returns whole milliseconds.
 */
export function parseDuration(text: string, keyword: string): Parsed<number> {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text);
  const expected = 'expected a number with an optional unit ms, s, m or h (200ms, 1s, 2m); a bare number means seconds';
  if (match === null) return fail(`bad time '${text}' for ${keyword}: ${expected}`);
  const ms = Number(match[1]) * (UNIT_MS[match[2] ?? 's'] as number);
  if (!Number.isSafeInteger(Math.round(ms)) || Math.abs(ms - Math.round(ms)) > 1e-6) {
    return fail(`bad time '${text}' for ${keyword}: expected a whole number of milliseconds`);
  }
  return ok(Math.round(ms));
}

/** A whole number, no sign, at least `min`. */
export function parseCount(text: string, keyword: string, min: number, max = Number.MAX_SAFE_INTEGER): Parsed<number> {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of ${min} or more` : `from ${min} to ${max}`;
    return fail(`bad number '${text}' for ${keyword}: expected a whole number ${range}`);
  }
  return ok(value);
}

/** Script and socket paths must not depend on the daemon's working directory. */
export function parseAbsolutePath(text: string, keyword: string): Parsed<string> {
  if (!text.startsWith('/')) return fail(`bad path '${text}' for ${keyword}: expected an absolute path (starting with /)`);
  return ok(text);
}

export function parseChoice<T extends string>(text: string, keyword: string, choices: readonly T[]): Parsed<T> {
  const found = choices.find((choice) => choice === text);
  if (found === undefined) return fail(`unknown ${keyword} '${text}': expected ${listOr(choices)}`);
  return ok(found);
}

/** `a, b or c`, for messages. */
export function listOr(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1] as string}`;
}
