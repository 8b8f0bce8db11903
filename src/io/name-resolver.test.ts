import { describe, expect, it } from 'vitest';
import { FIRST_RETRY_MS, LOOKUP_TIMEOUT_MS, MAX_RETRY_MS, NameResolver, retryDelayMs, type NameTimers, type ResolvedAddress } from './name-resolver.js';

/** Timers run by hand: `advance(ms)` fires, in order, every timer due by then. */
class ManualTimers implements NameTimers {
  now = 0;
  private next = 1;
  private readonly due = new Map<number, { at: number; callback: () => void }>();

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.next++;
    this.due.set(id, { at: this.now + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.due.delete(handle as number);
  }

  /** The delays of the timers waiting now, from now. */
  waiting(): number[] {
    return [...this.due.values()].map((t) => t.at - this.now).sort((a, b) => a - b);
  }

  async advance(ms: number): Promise<void> {
    const end = this.now + ms;
    for (;;) {
      const first = [...this.due.entries()].sort((a, b) => a[1].at - b[1].at)[0];
      if (first === undefined || first[1].at > end) break;
      this.due.delete(first[0]);
      this.now = first[1].at;
      first[1].callback();
      await settle();
    }
    this.now = end;
  }
}

/** Lets promise callbacks run (several rounds: lookups chain a few). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

const V4: ResolvedAddress = { address: '192.0.2.7', family: 4 };
const V6: ResolvedAddress = { address: '2001:db8::7', family: 6 };

function eaiAgain(host: string): Error {
  return Object.assign(new Error(`getaddrinfo EAI_AGAIN ${host}`), { code: 'EAI_AGAIN' });
}

function setup(answers: Array<ResolvedAddress[] | 'fail' | 'hang'>) {
  const timers = new ManualTimers();
  const lines: string[] = [];
  const lookups: string[] = [];
  const resolver = new NameResolver({
    timers,
    log: (level, message) => lines.push(`${level}: ${message}`),
    lookup: (host) => {
      lookups.push(host);
      const answer = answers.shift() ?? 'fail';
      if (answer === 'hang') return new Promise(() => undefined);
      return answer === 'fail' ? Promise.reject(eaiAgain(host)) : Promise.resolve(answer);
    },
  });
  return { timers, lines, lookups, resolver };
}

describe('retry delays', () => {
  it('start at a second, double, and stop growing at a minute', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 100].map(retryDelayMs)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    expect(retryDelayMs(1)).toBe(FIRST_RETRY_MS);
    expect(retryDelayMs(1_000_000)).toBe(MAX_RETRY_MS);
  });
});

describe('a name resolver', () => {
  it('hands over the addresses of a name that resolves, quietly', async () => {
    const { resolver, lines } = setup([[V4, V6]]);
    const got: ResolvedAddress[][] = [];
    expect(await resolver.resolve('bolek', 'peer', (a) => (got.push(a), null))).toBe(true);
    expect(got).toEqual([[V4, V6]]);
    expect(lines).toEqual([]);
  });

  it('needs no lookup for an address', async () => {
    const { resolver, lookups } = setup([]);
    const got: ResolvedAddress[][] = [];
    expect(await resolver.resolve('127.0.0.1', 'peer', (a) => (got.push(a), null))).toBe(true);
    expect(await resolver.resolve('::1', 'peer', (a) => (got.push(a), null))).toBe(true);
    expect(got).toEqual([[{ address: '127.0.0.1', family: 4 }], [{ address: '::1', family: 6 }]]);
    expect(lookups).toEqual([]);
  });

  it('runs without a name that does not resolve, retries 1 s, 2 s, 4 s … and hands it over once it does', async () => {
    const { resolver, lines, lookups, timers } = setup(['fail', 'fail', 'fail', [V4]]);
    const got: ResolvedAddress[][] = [];
    expect(await resolver.resolve('bolek', 'peer', (a) => (got.push(a), null))).toBe(false);
    expect(lines).toEqual(["warning: cannot resolve peer 'bolek' (EAI_AGAIN): running without it for now; trying again in 1 s"]);
    expect(timers.waiting()).toEqual([1_000]);

    await timers.advance(999);
    expect(lookups).toHaveLength(1);
    await timers.advance(1);
    expect(lookups).toHaveLength(2);
    expect(lines.at(-1)).toBe("info: cannot resolve peer 'bolek' (EAI_AGAIN): still without it; trying again in 2 s");
    await timers.advance(2_000);
    expect(lines.at(-1)).toBe("info: cannot resolve peer 'bolek' (EAI_AGAIN): still without it; trying again in 4 s");
    expect(got).toEqual([]);
    await timers.advance(4_000);
    expect(lookups).toEqual(['bolek', 'bolek', 'bolek', 'bolek']);
    expect(got).toEqual([[V4]]);
    expect(lines.at(-1)).toBe("notice: peer 'bolek' resolves now (192.0.2.7) and is used, after 3 failed attempt(s)");
    expect(timers.waiting()).toEqual([]);
  });

  it('retries no more often than once a minute, however long the name fails', async () => {
    const { resolver, timers, lookups } = setup([]);
    const times: number[] = [];
    await resolver.resolve('bolek', 'peer', () => null);
    // Every lookup fails; note when each retry comes.
    for (let i = 0; i < 10; i++) {
      const [next] = timers.waiting();
      await timers.advance(next ?? 0);
      times.push(timers.now);
    }
    expect(lookups).toHaveLength(11);
    const gaps = times.map((t, i) => t - (times[i - 1] ?? 0));
    expect(gaps).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000]);
  });

  it('tries again when the addresses will not do, saying why', async () => {
    const { resolver, lines, timers } = setup([[V6], [V6, V4]]);
    const use = (addresses: ResolvedAddress[]): string | null => (addresses.some((a) => a.family === 4) ? null : 'has no IPv4 address');
    expect(await resolver.resolve('bolek', 'peer', use)).toBe(false);
    expect(lines).toEqual(["warning: peer 'bolek' has no IPv4 address: running without it for now; trying again in 1 s"]);
    await timers.advance(1_000);
    expect(lines.slice(1)).toEqual(["notice: peer 'bolek' resolves now (2001:db8::7, 192.0.2.7) and is used, after 1 failed attempt(s)"]);
  });

  it('gives up waiting for a lookup that does not answer, and tries again later', async () => {
    const { resolver, lines, timers } = setup(['hang', [V4]]);
    const result = resolver.resolve('bolek', 'friend', () => null);
    await timers.advance(LOOKUP_TIMEOUT_MS);
    expect(await result).toBe(false);
    expect(lines).toEqual([`warning: cannot resolve friend 'bolek' (no answer within ${LOOKUP_TIMEOUT_MS / 1000} s): running without it for now; trying again in 1 s`]);
    await timers.advance(1_000);
    expect(lines.at(-1)).toMatch(/^notice: friend 'bolek' resolves now/);
  });

  it('stops retrying, and ignores late answers, once stopped', async () => {
    const { resolver, lookups, timers } = setup(['fail', [V4]]);
    const got: ResolvedAddress[][] = [];
    await resolver.resolve('bolek', 'peer', (a) => (got.push(a), null));
    resolver.stop();
    expect(timers.waiting()).toEqual([]);
    await timers.advance(10 * 60_000);
    expect(lookups).toHaveLength(1);
    expect(got).toEqual([]);
  });
});
