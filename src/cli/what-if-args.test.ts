import { describe, expect, it } from 'vitest';
import { HASTMON_GETOPT, parseHastmonArgs } from './args.js';
import { MAX_TRIALS } from './what-if-args.js';
import { WHAT_IF_LETTERS } from './hastmon-getopt.js';
import { DEFAULT_PAUSES } from '../sim/what-if-defaults.js';

describe('hastmon -S and its options', () => {
  it('takes -S alone: the defaults come later, from the configuration', () => {
    expect(parseHastmonArgs(['-S'])).toMatchObject({ ok: true, args: { whatIf: { repeat: [] } } });
    const daemon = parseHastmonArgs(['-F']);
    expect(daemon.ok ? daemon.args.whatIf : 'refused').toBeUndefined();
  });

  it('reads every option in the configuration\'s units, and keeps all but -R and -r, as given, for a replay', () => {
    const parsed = parseHastmonArgs(['-S', '-c', '/etc/h.conf', '-R', '20', '-r7', '-H', '0.5', '-p', '5%', '-g', '250ms/30s', '-x', '2s/500ms']);
    expect(parsed).toMatchObject({
      ok: true,
      args: {
        configPath: '/etc/h.conf',
        whatIf: {
          trials: 20,
          seed: 7,
          soakMs: 1_800_000,
          loss: 0.05,
          pauses: { length: 250, every: 30_000 },
          scripts: { start: 2000, stop: 500 },
          repeat: ['-H', '0.5', '-p', '5%', '-g', '250ms/30s', '-x', '2s/500ms'],
        },
      },
    });
  });

  it('reads a loss as a fraction or a percentage, and a pause without its gap as the default gap', () => {
    expect(parseHastmonArgs(['-S', '-p', '0.3'])).toMatchObject({ ok: true, args: { whatIf: { loss: 0.3 } } });
    expect(parseHastmonArgs(['-S', '-p', '0'])).toMatchObject({ ok: true, args: { whatIf: { loss: 0 } } });
    expect(parseHastmonArgs(['-S', '-g', '1s'])).toMatchObject({ ok: true, args: { whatIf: { pauses: { length: 1000, every: DEFAULT_PAUSES.every } } } });
    expect(parseHastmonArgs(['-S', '-g', '0'])).toMatchObject({ ok: true, args: { whatIf: { pauses: { length: 0 } } } });
  });

  it.each([
    [['-S', '-R', '0'], `bad number '0' for -R (trials): expected a whole number from 1 to ${MAX_TRIALS}`],
    [['-S', '-r', '-1'], "bad number '-1' for -r (seed)"],
    [['-S', '-H', '0'], "bad soak '0' for -H"],
    [['-S', '-H', 'long'], "bad soak 'long' for -H"],
    [['-S', '-p', '1'], "bad loss '1' for -p: expected a fraction from 0 to below 1 or a percentage (0.05 or 5%)"],
    [['-S', '-p', '100%'], "bad loss '100%' for -p"],
    [['-S', '-g', 'often'], "bad time 'often' for -g (pause length)"],
    [['-S', '-g', '2s/1s'], "bad pause '2s/1s' for -g: a node must run between its pauses"],
    [['-S', '-g', '1s/1m/1h'], "bad pause '1s/1m/1h' for -g: expected LENGTH or LENGTH/EVERY"],
    [['-S', '-x', '1s'], "bad script times '1s' for -x: expected START/STOP"],
    [['-S', '-x', '1s/slow'], "bad time 'slow' for -x (stop)"],
  ])('refuses %j: %s', (argv, message) => {
    const parsed = parseHastmonArgs(argv);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain(message);
  });

  it('takes the what-if options only with -S, and -S not with -t, -k or -m', () => {
    const valid: Record<string, string> = { R: '1', r: '1', H: '1', p: '0.1', g: '1s', x: '1s/1s' };
    for (const letter of WHAT_IF_LETTERS) {
      expect(parseHastmonArgs([`-${letter}`, valid[letter] ?? ''])).toEqual({ ok: false, message: `-${letter} goes with -S (simulate)` });
    }
    for (const letter of 'tkm') {
      expect(parseHastmonArgs(['-S', `-${letter}`])).toEqual({ ok: false, message: `-S (simulate) cannot be combined with -${letter}` });
    }
  });

  it('declares its letters to getopt', () => {
    expect(HASTMON_GETOPT.flags).toContain('S');
    for (const letter of WHAT_IF_LETTERS) expect(HASTMON_GETOPT.withArgument).toContain(letter);
  });
});
