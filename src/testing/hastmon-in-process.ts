// hastmon run in the test's own process, its output captured: the io the tests give differs only in
// the defaults, the name lookup and the simulated core.
import { runHastmon, type HastmonIo } from '../cli/hastmon.js';

export interface CapturedRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function hastmonInProcess(argv: readonly string[], io: Omit<HastmonIo, 'stdout' | 'stderr'>): Promise<CapturedRun> {
  let stdout = '';
  let stderr = '';
  const code = await runHastmon(argv, { ...io, stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text) });
  return { code, stdout, stderr };
}
