import { describe, expect, it } from 'vitest';
import { wantsCompiler } from './memory-mode.js';

describe('the memory mode the launcher chooses', () => {
  it('keeps the optimizing compiler for the simulator only, reading the options as getopt does', () => {
    expect(wantsCompiler(['-S', '-c', 'hastmon.conf'])).toBe(true);
    expect(wantsCompiler(['-dS', '-R', '10'])).toBe(true);
    expect(wantsCompiler(['-F', '-c', 'hastmon.conf'])).toBe(false);
    // A file named -S after -c is the file, not the option.
    expect(wantsCompiler(['-c', '-S'])).toBe(false);
    expect(wantsCompiler(['-t', '-c', 'hastmon.conf'])).toBe(false);
    expect(wantsCompiler(['-Q'])).toBe(false);
  });
});
