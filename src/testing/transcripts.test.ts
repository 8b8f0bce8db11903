// Replays the core's transcripts, src/core/testdata/*.txt, through the scenario harness: each
// block's commands run in turn and their output must match the text below the block's `----`.
// The commands are described in scenario.ts, the file format in transcript.ts.
//
// After an intended change of behaviour, rewrite the expected output, then read the diff:
//   REWRITE=1 npx vitest run src/testing/transcripts.test.ts
// A failed `check` or a `wait-until` that times out fails even then.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runTranscript } from './run-transcript.js';

const TESTDATA = fileURLToPath(new URL('../core/testdata/', import.meta.url));
const REWRITE = process.env.REWRITE === '1';
const files = readdirSync(TESTDATA).filter((f) => f.endsWith('.txt')).sort();

describe('transcripts of the core (src/core/testdata)', () => {
  it('has transcripts to replay', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const file of files) {
    it(file, () => {
      const path = `${TESTDATA}${file}`;
      const text = readFileSync(path, 'utf8');
      const run = runTranscript(text, `src/core/testdata/${file}`);
      if (REWRITE) {
        if (run.rewritten !== text) writeFileSync(path, run.rewritten);
        return;
      }
      if (run.differences.length > 0) throw new Error(`${run.differences.join('\n\n')}\n\n(after an intended change: REWRITE=1 npx vitest run src/testing/transcripts.test.ts)`);
    });
  }
});
