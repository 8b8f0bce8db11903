import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HASTMON_USAGE } from './args.js';
import { hastmonInProcess, type CapturedRun } from '../testing/hastmon-in-process.js';
import type { LookupAll } from '../io/name-resolver.js';

const dir = mkdtempSync(join(tmpdir(), 'hastmon-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Names as this test's resolver knows them: no lookup leaves the machine. */
const KNOWN_NAMES = new Set(['lolek', 'bolek', 'reksio']);
const fakeLookup: LookupAll = async (host) => {
  if (!KNOWN_NAMES.has(host)) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return [{ address: '127.0.0.1', family: 4 }];
};

function hastmon(argv: string[]): Promise<CapturedRun> {
  return hastmonInProcess(argv, { defaultConfigPath: join(dir, 'absent.conf'), defaultNodeName: 'lolek', lookup: fakeLookup });
}

describe('hastmon as a function', () => {
  it('prints the usage for -h and exits 0', async () => {
    expect(await hastmon(['-h'])).toEqual({ code: 0, stdout: HASTMON_USAGE, stderr: '' });
  });

  it('exits 64 with the message and the usage on a bad flag', async () => {
    const run = await hastmon(['-Z']);
    expect(run.code).toBe(64);
    expect(run.stderr.startsWith('hastmon: ')).toBe(true);
    expect(run.stderr.endsWith(HASTMON_USAGE)).toBe(true);
  });

  it("checks HASTMON's example with -t and starts nothing", async () => {
    const seed = readFileSync(join(import.meta.dirname, '..', 'config', 'fixtures', 'seed-hastmon.conf'), 'utf8');
    const conf = join(dir, 'seed.conf');
    writeFileSync(conf, seed.replaceAll('/etc/daemon.sh', script('daemon.sh')).replaceAll('/etc/storage.sh', script('storage.sh')));
    expect(await hastmon(['-t', '-c', conf, '-N', 'lolek'])).toEqual({ code: 0, stdout: 'configuration OK\n', stderr: '' });
  });

  it('shows with -t where the http listener serves and who can reach it, and refuses a host name there', async () => {
    const seed = readFileSync(join(import.meta.dirname, '..', 'config', 'fixtures', 'seed-hastmon.conf'), 'utf8');
    const text = seed.replaceAll('/etc/daemon.sh', script('daemon.sh')).replaceAll('/etc/storage.sh', script('storage.sh'));
    const conf = join(dir, 'seed-http.conf');
    writeFileSync(conf, `${text}\non lolek {\n  http 127.0.0.1:9458\n}\non bolek {\n  http 0.0.0.0:9458\n}\n`);
    expect(await hastmon(['-t', '-c', conf, '-N', 'lolek'])).toEqual({
      code: 0,
      stdout: 'http: read-only metrics and status on 127.0.0.1:9458 (loopback only)\nconfiguration OK\n',
      stderr: '',
    });
    const bolek = await hastmon(['-t', '-c', conf, '-N', 'bolek']);
    expect(bolek.stdout).toBe("http: read-only metrics and status on 0.0.0.0:9458 (reachable beyond this host: whoever reaches it sees the cluster's state)\nconfiguration OK\n");
    const lines = text.split('\n').length; // the last, empty, is the blank line before the section
    writeFileSync(conf, `${text}\non lolek {\n  http localhost:9458\n}\n`);
    const bad = await hastmon(['-t', '-c', conf, '-N', 'lolek']);
    expect(bad.code).toBe(78);
    expect(bad.stderr).toMatch(new RegExp(`^${conf}:${lines + 2}: bad address 'localhost:9458' for http: `));
  });

  it('names etcd as a voter with -t, and refuses a lease shorter than its minimum TTL or an unreadable TLS file', async () => {
    const body = `etcd {\n endpoints https://127.0.0.1:2379 https://etcd.example:2379\n user hastmon\n password "pw"\n ca ${join(dir, 'no-ca.pem')}\n}\nresource web {\n exec ${script('web.sh')}\n on lolek {\n }\n on bolek {\n }\n}\n`;
    const conf = join(dir, 'etcd.conf');
    writeFileSync(conf, `lease 2500ms\n${body}`);
    const run = await hastmon(['-t', '-c', conf, '-N', 'lolek']);
    expect(run).toEqual({ code: 78, stdout: '', stderr: `hastmon: cannot read the etcd ca file ${join(dir, 'no-ca.pem')}: ENOENT: no such file or directory, open '${join(dir, 'no-ca.pem')}'\n` });
    writeFileSync(join(dir, 'no-ca.pem'), 'not checked for content here\n');
    expect(await hastmon(['-t', '-c', conf, '-N', 'lolek'])).toEqual({
      code: 0,
      stdout:
        'etcd: one more voter of every resource, at https://127.0.0.1:2379 https://etcd.example:2379; keys /hastmon/RESOURCE/holder with a lease TTL of 3 s, as user hastmon\nconfiguration OK\n',
      stderr: '',
    });
    writeFileSync(conf, body);
    const short = await hastmon(['-t', '-c', conf, '-N', 'lolek']);
    expect(short.code).toBe(78);
    expect(short.stderr).toMatch(new RegExp(`^${conf}:1: lease is 1s by default for etcd: .*set 'lease 2s' or more in the global section\\n$`));
  });

  it("refuses with -t, as the daemon does at start, HASTMON's example on a node without its scripts", async () => {
    const seed = join(import.meta.dirname, '..', 'config', 'fixtures', 'seed-hastmon.conf');
    expect(await hastmon(['-t', '-c', seed, '-N', 'lolek'])).toEqual({
      code: 78,
      stdout: '',
      stderr: 'hastmon: resource daemon: /etc/daemon.sh: does not exist\nhastmon: resource storage: /etc/storage.sh: does not exist\n',
    });
  });

  it('warns, with -t, of a peer name that does not resolve now, and still says the configuration is OK', async () => {
    const seed = readFileSync(join(import.meta.dirname, '..', 'config', 'fixtures', 'seed-hastmon.conf'), 'utf8');
    const conf = join(dir, 'seed-typo.conf');
    const text = seed.replaceAll('/etc/daemon.sh', script('daemon.sh')).replaceAll('/etc/storage.sh', script('storage.sh'));
    writeFileSync(conf, text.replace('remote tcp4://bolek', 'remote tcp4://bolke'));
    expect(await hastmon(['-t', '-c', conf, '-N', 'lolek'])).toEqual({
      code: 0,
      stdout: 'configuration OK\n',
      stderr: "hastmon: warning: remote 'bolke' does not resolve now (ENOTFOUND); the daemon will start without it and keep trying\n",
    });
  });

  it('exits 78 with file:line for a bad configuration', async () => {
    const conf = join(dir, 'bad.conf');
    writeFileSync(conf, 'on lolek {\n  nonsense 1\n}\n');
    const run = await hastmon(['-t', '-c', conf]);
    expect(run.code).toBe(78);
    expect(run.stderr).toContain(`${conf}:2:`);
  });
});

/** An executable script in the test's directory, safe to run as root (mode 0755, in a 0700 directory). */
function script(name: string, mode = 0o755): string {
  const path = join(dir, name);
  writeFileSync(path, '#!/bin/sh\nexit 0\n');
  chmodSync(path, mode);
  return path;
}

/** A one-node file with one resource run by `exec`, and `extra` lines in the global section. */
function oneNode(name: string, exec: string, extra = ''): string {
  const conf = join(dir, name);
  writeFileSync(conf, `control ${join(dir, `${name}.ctl`)}\n${extra}resource r {\n  exec ${exec}\n  on lolek {\n  }\n}\n`);
  return conf;
}

describe('hastmon -t checks what the daemon checks at start', () => {
  it('says plainly that freehad mode will run, and checks its script directory', async () => {
    const scripts = join(dir, 'freehad');
    mkdirSync(scripts, { mode: 0o700 });
    for (const name of ['starthasrv', 'monitorhasrv', 'stophasrv']) {
      writeFileSync(join(scripts, name), '#!/bin/sh\n', { mode: 0o755 });
    }
    const run = await hastmon(['-t', '-s', scripts, '-n', '3']);
    expect(run).toEqual({
      code: 0,
      stdout:
        `no configuration file at ${join(dir, 'absent.conf')}: hastmon will run in freehad mode, ` +
        `resource 'service' with the scripts in ${scripts}, peers found by multicast, 3 nodes expected\nconfiguration OK\n`,
      stderr: '',
    });
  });

  it('refuses freehad mode whose -s names nothing', async () => {
    const run = await hastmon(['-t', '-s', join(dir, 'nowhere')]);
    expect(run.code).toBe(78);
    expect(run.stderr).toBe(`hastmon: resource service: script directory ${join(dir, 'nowhere')} does not exist or is not a directory\n`);
  });

  it('refuses a script that is not executable', async () => {
    const path = script('plain.sh', 0o644);
    const run = await hastmon(['-t', '-c', oneNode('plain.conf', path)]);
    expect(run).toEqual({ code: 78, stdout: '', stderr: `hastmon: resource r: ${path}: is not executable\n` });
  });

  it.skipIf(process.getuid?.() !== 0)('as root, refuses a script writable by others', async () => {
    const path = script('open.sh', 0o757);
    const run = await hastmon(['-t', '-c', oneNode('open.conf', path)]);
    expect(run.code).toBe(78);
    expect(run.stderr).toContain(`${path}: is writable by group or others`);
  });

  it('refuses a key file it cannot read', async () => {
    const missing = join(dir, 'no-key');
    const run = await hastmon(['-t', '-c', oneNode('key.conf', script('k.sh'), `key {\n  secret_file ${missing}\n}\n`)]);
    expect(run.code).toBe(78);
    expect(run.stderr).toMatch(new RegExp(`^hastmon: cannot read the key file ${missing}: ENOENT`));
  });

  it('refuses a control socket in a directory that does not exist', async () => {
    const conf = join(dir, 'control.conf');
    writeFileSync(conf, `control ${dir}/none/ctl\nresource r {\n  exec ${script('c.sh')}\n  on lolek {\n  }\n}\n`);
    const run = await hastmon(['-t', '-c', conf]);
    expect(run).toEqual({ code: 78, stdout: '', stderr: `hastmon: control socket ${dir}/none/ctl: its directory ${dir}/none does not exist\n` });
  });

  it('refuses ping when there is no ping command', async () => {
    const path = process.env['PATH'];
    process.env['PATH'] = join(dir, 'empty-path');
    try {
      const run = await hastmon(['-t', '-c', oneNode('ping.conf', script('p.sh'), 'ping 127.0.0.1\n')]);
      expect(run.code).toBe(78);
      expect(run.stderr).toBe('hastmon: ping 127.0.0.1 is configured but there is no ping command on PATH (install iputils-ping)\n');
    } finally {
      process.env['PATH'] = path;
    }
  });
});
