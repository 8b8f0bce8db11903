import { describe, expect, it } from 'vitest';
import { listOr, parseAbsolutePath, parseChoice, parseCount, parseDuration } from './values.js';

describe('parseDuration', () => {
  it.each([
    ['200ms', 200],
    ['1s', 1_000],
    ['1.5s', 1_500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['10', 10_000],
    ['0.2', 200],
    ['0', 0],
  ])('reads %s as %i ms', (text, ms) => {
    expect(parseDuration(text, 'deadtime')).toEqual({ ok: true, value: ms });
  });

  it.each(['', '1x', '-1s', '1 s', 's', '1.5ms', '.5s', '1e3'])('rejects %j', (text) => {
    const parsed = parseDuration(text, 'deadtime');
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.message).toMatch(new RegExp(`^bad time '${text.replace('.', '\\.')}' for deadtime: expected`));
  });
});

describe('parseCount', () => {
  it('reads whole numbers within range', () => {
    expect(parseCount('0', 'priority', 0)).toEqual({ ok: true, value: 0 });
    expect(parseCount('255', 'ttl', 0, 255)).toEqual({ ok: true, value: 255 });
  });

  it('says which range was expected', () => {
    expect(parseCount('0', 'attempts', 1)).toEqual({ ok: false, message: "bad number '0' for attempts: expected a whole number of 1 or more" });
    expect(parseCount('256', 'ttl', 0, 255)).toEqual({ ok: false, message: "bad number '256' for ttl: expected a whole number from 0 to 255" });
    expect(parseCount('1.5', 'attempts', 1).ok).toBe(false);
    expect(parseCount('99999999999999999999', 'attempts', 1).ok).toBe(false);
  });
});

describe('parseAbsolutePath, parseChoice, listOr', () => {
  it('wants absolute paths', () => {
    expect(parseAbsolutePath('/etc/x', 'exec')).toEqual({ ok: true, value: '/etc/x' });
    expect(parseAbsolutePath('x', 'exec')).toEqual({ ok: false, message: "bad path 'x' for exec: expected an absolute path (starting with /)" });
  });

  it('lists the choices', () => {
    expect(parseChoice('up', 'failback', ['auto', 'manual'])).toEqual({ ok: false, message: "unknown failback 'up': expected auto or manual" });
    expect(listOr(['a', 'b', 'c'])).toBe('a, b or c');
    expect(listOr(['a'])).toBe('a');
  });
});
