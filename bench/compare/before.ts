// A second hastmon build, of an earlier revision, measured in the same run as "hastmon (before)":
// checked out into a temporary worktree, installed with npm ci and built; removed at the end.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { must, run } from './shell.js';

/** npm ci and the build, on a busy machine. */
const BUILD_TIMEOUT_MS = 15 * 60_000;

export interface BeforeBuild {
  root: string;
  revision: string;
  remove(): Promise<void>;
}

export async function buildRevision(repository: string, revision: string, log: (line: string) => void): Promise<BeforeBuild> {
  const commit = (await must('git', ['-C', repository, 'rev-parse', '--verify', `${revision}^{commit}`])).trim();
  const root = join(mkdtempSync(join(tmpdir(), 'hmcmp-before-')), 'hastmon');
  const remove = async (): Promise<void> => {
    await run('git', ['-C', repository, 'worktree', 'remove', '--force', root]);
    rmSync(join(root, '..'), { recursive: true, force: true });
    await run('git', ['-C', repository, 'worktree', 'prune']);
  };
  try {
    await must('git', ['-C', repository, 'worktree', 'add', '--detach', root, commit]);
    log(`building ${revision} (${commit.slice(0, 12)}) in ${root}: npm ci, npm run build`);
    await must('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, timeoutMs: BUILD_TIMEOUT_MS });
    await must('npm', ['run', 'build'], { cwd: root, timeoutMs: BUILD_TIMEOUT_MS });
  } catch (error) {
    await remove();
    throw error;
  }
  return { root, revision: `${revision} (${commit.slice(0, 12)})`, remove };
}
