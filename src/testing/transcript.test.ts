import { describe, expect, it } from 'vitest';
import { runTranscript } from './run-transcript.js';
import { ScenarioFailure } from './scenario.js';
import { diffLines, parseTranscript, rewriteTranscript } from './transcript.js';

const FILE = `# A comment before the first block.

cluster a=0 b=1
# a comment among commands
boot all
----
old line

running
----
`;

describe('the transcript format', () => {
  it('reads blocks of commands, a ---- line, and the expected output up to a blank line', () => {
    const { blocks } = parseTranscript(FILE);
    expect(blocks.map((b) => ({ line: b.line, commands: b.commands.map((c) => c.text), expected: b.expected }))).toEqual([
      { line: 3, commands: ['cluster a=0 b=1', 'boot all'], expected: ['old line'] },
      { line: 9, commands: ['running'], expected: [] },
    ]);
  });

  it('rewrites the expected output only, keeping comments and commands as they were', () => {
    const transcript = parseTranscript(FILE);
    expect(rewriteTranscript(transcript, [['old line'], []])).toBe(FILE);
    expect(rewriteTranscript(transcript, [[], ['x', 'y']])).toBe(FILE.replace('old line\n', '').replace('running\n----\n', 'running\n----\nx\ny\n'));
  });

  it('refuses commands without a ---- line, or broken by a blank line', () => {
    expect(() => parseTranscript('wait 1s\n', 'f.txt')).toThrow(/f\.txt:1: commands without a ---- line/);
    expect(() => parseTranscript('wait 1s\n\nwait 2s\n----\n', 'f.txt')).toThrow(/f\.txt:2: a blank line among commands/);
  });

  it('diffs lines: - expected, + actual', () => {
    expect(diffLines(['a', 'b', 'c'], ['a', 'c', 'd'])).toEqual(['  a', '- b', '  c', '+ d']);
  });
});

describe('replaying a transcript', () => {
  const twoNodes = (expected: string): string => `cluster a=0 b=1\nboot all\n----\n0 a run probe daemon\n0 b run probe daemon\n\nwait-until a RUNNING\n----\n${expected}\n`;

  it('reports a block whose output differs, with the file, the line, the commands and a diff', () => {
    const run = runTranscript(twoNodes('a daemon RUNNING after 1 ms'), 'two.txt');
    expect(run.differences).toHaveLength(1);
    expect(run.differences[0]).toMatch(/^two\.txt:7: output differs \(- expected, \+ actual\) after\n {2}wait-until a RUNNING\n/);
    expect(run.differences[0]).toMatch(/^- a daemon RUNNING after 1 ms$/m);
    expect(run.differences[0]).toMatch(/^\+ a daemon RUNNING after \d+ ms$/m);
  });

  it('passes once rewritten', () => {
    const { rewritten } = runTranscript(twoNodes('stale'), 'two.txt');
    expect(runTranscript(rewritten, 'two.txt').differences).toEqual([]);
  });

  it('fails a wait that times out, whatever the expected output says', () => {
    expect(() => runTranscript('cluster a=0 b=1\nboot all\nwait-until b RUNNING within 3s\n----\n', 'w.txt')).toThrow(ScenarioFailure);
  });

  it('fails check no-overlap when the resource runs on two nodes', () => {
    const text = 'cluster a=0 b=1\nservice-running a\nservice-running b\ncheck no-overlap\n----\n';
    expect(() => runTranscript(text, 'c.txt')).toThrow(/c\.txt:4: check no-overlap\ncheck no-overlap failed:\ndaemon ran on a and b at 0 ms/);
  });
});
