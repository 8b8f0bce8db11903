// Plays a transcript's blocks through a Scenario and compares each block's output with what the
// file expects.

import { Scenario, ScenarioFailure } from './scenario.js';
import { diffLines, parseTranscript, rewriteTranscript } from './transcript.js';
import type { CoreFactory } from '../sim/sim-core.js';

export interface TranscriptRun {
  /** One entry per block that differs: where, the commands, and a diff of expected and actual. */
  differences: string[];
  /** The file with every block's output as it is now. */
  rewritten: string;
}

export function runTranscript(text: string, file: string, factory?: CoreFactory): TranscriptRun {
  const transcript = parseTranscript(text, file);
  const scenario = new Scenario(factory);
  const outputs: string[][] = [];
  const differences: string[] = [];
  for (const block of transcript.blocks) {
    const output: string[] = [];
    for (const command of block.commands) {
      try {
        output.push(...scenario.run(command.text));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const where = `${file}:${command.line}: ${command.text}`;
        if (error instanceof ScenarioFailure) throw new ScenarioFailure(`${where}\n${message}`, { cause: error });
        throw new Error(`${where}\n${message}`, { cause: error });
      }
    }
    outputs.push(output);
    if (output.join('\n') !== block.expected.join('\n')) {
      const commands = block.commands.map((c) => `  ${c.text}`).join('\n');
      differences.push(`${file}:${block.line}: output differs (- expected, + actual) after\n${commands}\n${diffLines(block.expected, output).join('\n')}`);
    }
  }
  return { differences, rewritten: rewriteTranscript(transcript, outputs) };
}
