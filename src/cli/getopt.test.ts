import { describe, expect, it } from 'vitest';
import { getopt } from './getopt.js';

const spec = { flags: 'dFt', withArgument: 'cN' };

describe('getopt', () => {
  it('combines flags and reads arguments joined or apart', () => {
    expect(getopt(['-dFt', '-c', '/a', '-N/b'], spec)).toEqual({
      ok: true,
      options: [
        { letter: 'd', value: null },
        { letter: 'F', value: null },
        { letter: 't', value: null },
        { letter: 'c', value: '/a' },
        { letter: 'N', value: '/b' },
      ],
      operands: [],
    });
  });

  it('takes the rest of a combined word as the argument', () => {
    expect(getopt(['-dcfile'], spec)).toEqual({
      ok: true,
      options: [
        { letter: 'd', value: null },
        { letter: 'c', value: 'file' },
      ],
      operands: [],
    });
  });

  it('stops at --, at - and at the first operand', () => {
    expect(getopt(['-d', '--', '-t'], spec)).toEqual({ ok: true, options: [{ letter: 'd', value: null }], operands: ['-t'] });
    expect(getopt(['status', '-d'], spec)).toEqual({ ok: true, options: [], operands: ['status', '-d'] });
    expect(getopt(['-'], spec)).toEqual({ ok: true, options: [], operands: ['-'] });
  });

  it('takes a word starting with - as an argument', () => {
    expect(getopt(['-c', '-t'], spec)).toEqual({ ok: true, options: [{ letter: 'c', value: '-t' }], operands: [] });
  });

  it('reports unknown options and missing arguments', () => {
    expect(getopt(['-x'], spec)).toEqual({ ok: false, message: 'unknown option -x' });
    expect(getopt(['-dc'], spec)).toEqual({ ok: false, message: 'option -c requires an argument' });
  });
});
