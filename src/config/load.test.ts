import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from './load.js';

let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hastmon-load-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadConfigFile', () => {
  it('returns null when there is no file', async () => {
    expect(await loadConfigFile(join(dir, 'missing.conf'))).toBeNull();
  });

  it('parses the file, naming it in errors', async () => {
    const path = join(dir, 'bad.conf');
    await writeFile(path, 'attempts 0\n');
    const result = await loadConfigFile(path);
    expect(result).toEqual({ ok: false, errors: [{ file: path, line: 1, message: "bad number '0' for attempts: expected a whole number of 1 or more" }] });
  });

  it('reads a good file', async () => {
    const path = join(dir, 'good.conf');
    await writeFile(path, 'resource r {\n  exec /r.sh\n  on a {\n  }\n}\n');
    const result = await loadConfigFile(path);
    expect(result?.ok && result.config.resources.map((r) => r.name)).toEqual(['r']);
  });

  it('reports a file it cannot read as a whole-file error', async () => {
    const result = await loadConfigFile(dir);
    expect(result?.ok).toBe(false);
    expect(!result?.ok && result?.errors).toEqual([{ file: dir, line: 0, message: expect.stringMatching(/^cannot read the configuration file: EISDIR/) }]);
  });
});
