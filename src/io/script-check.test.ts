import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkScript } from './script-check.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hastmon-check-'));
  chmodSync(dir, 0o755);
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, mode: number, where = dir): string {
  const path = join(where, name);
  writeFileSync(path, '#!/bin/sh\nexit 0\n');
  chmodSync(path, mode);
  return path;
}

describe('checkScript', () => {
  it('accepts an executable script in a safe directory, as root or not', () => {
    const path = file('starthasrv', 0o755);
    expect(checkScript(path, { asRoot: true })).toBeUndefined();
    expect(checkScript(path, { asRoot: false })).toBeUndefined();
  });

  it('refuses a missing file', () => {
    const path = join(dir, 'monitorhasrv');
    expect(checkScript(path, { asRoot: false })).toBe(`${path}: does not exist`);
  });

  it('refuses a symbolic link to nothing', () => {
    const path = join(dir, 'stophasrv');
    symlinkSync(join(dir, 'gone'), path);
    expect(checkScript(path, { asRoot: false })).toBe(`${path}: is a symbolic link to a file that does not exist`);
  });

  it('refuses what is not a regular file, after following links', () => {
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    const link = join(dir, 'link');
    symlinkSync(sub, link);
    expect(checkScript(sub, { asRoot: false })).toBe(`${sub}: is not a regular file`);
    expect(checkScript(link, { asRoot: false })).toBe(`${link}: is not a regular file`);
  });

  it('refuses a file nobody may execute', () => {
    const path = file('starthasrv', 0o644);
    expect(checkScript(path, { asRoot: false })).toBe(`${path}: is not executable`);
  });

  it('as root, refuses a script writable by group or others', () => {
    const groupWritable = file('starthasrv', 0o775);
    const worldWritable = file('stophasrv', 0o757);
    expect(checkScript(groupWritable, { asRoot: true })).toBe(
      `${groupWritable}: is writable by group or others (mode 0775); run chmod go-w on it`,
    );
    expect(checkScript(worldWritable, { asRoot: true })).toBe(
      `${worldWritable}: is writable by group or others (mode 0757); run chmod go-w on it`,
    );
    expect(checkScript(groupWritable, { asRoot: false })).toBeUndefined();
  });

  it('as root, refuses a script in a directory writable by group or others', () => {
    const path = file('starthasrv', 0o755);
    chmodSync(dir, 0o777);
    expect(checkScript(path, { asRoot: true })).toBe(
      `${path}: its directory ${dir} is writable by group or others (mode 0777)`,
    );
    expect(checkScript(path, { asRoot: false })).toBeUndefined();
  });

  it('as root, judges the directory of the file a link points to as well', () => {
    const unsafe = join(dir, 'unsafe');
    mkdirSync(unsafe);
    chmodSync(unsafe, 0o777);
    const target = file('real-start', 0o755, unsafe);
    const link = join(dir, 'starthasrv');
    symlinkSync(target, link);
    expect(checkScript(link, { asRoot: true })).toBe(
      `${link}: its directory ${unsafe} is writable by group or others (mode 0777)`,
    );
    chmodSync(unsafe, 0o755);
    expect(checkScript(link, { asRoot: true })).toBeUndefined();
  });
});
