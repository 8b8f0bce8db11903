import { describe, expect, it } from 'vitest';
import { HASTMON_USAGE, parseHastmonArgs } from './args.js';

describe('parseHastmonArgs', () => {
  it('has nothing set without flags', () => {
    expect(parseHastmonArgs([])).toEqual({ ok: true, args: { check: false, help: false, generateKey: false, foreground: false, forceStart: false, debug: 0, tuning: {} } });
  });

  it('reads every flag', () => {
    const parsed = parseHastmonArgs(['-dFhkmt', '-c', '/etc/h.conf', '-P/run/h.pid', '-l', '/run/h', '-s', '/opt/s', '-n', '3', '-N', 'lolek']);
    expect(parsed).toEqual({
      ok: true,
      args: {
        check: true,
        help: true,
        generateKey: true,
        foreground: true,
        forceStart: true,
        debug: 1,
        configPath: '/etc/h.conf',
        pidFile: '/run/h.pid',
        stateFile: '/run/h',
        scriptDir: '/opt/s',
        expectedNodes: 3,
        nodeName: 'lolek',
        tuning: {},
      },
    });
  });

  it('reads the flags that tune a cluster without a configuration file, in the configuration\'s units', () => {
    const parsed = parseHastmonArgs(['-C', '/tmp/bolek.sock', '-I', '200ms', '-D', '1', '-E', '1.5s', '-A', '2']);
    expect(parsed).toMatchObject({ ok: true, args: { tuning: { control: '/tmp/bolek.sock', heartbeatInterval: 200, deadtime: 1000, lease: 1500, attempts: 2 } } });
  });

  it.each([
    [['-C', 'bolek.sock'], "bad path 'bolek.sock' for -C: expected an absolute path (starting with /)"],
    [['-A', '0'], "bad number '0' for -A: expected a whole number of 1 or more"],
    [['-I', 'fast'], "bad time 'fast' for -I (heartbeat_interval)"],
    [['-I', '1s', '-D', '1s'], 'deadtime 1s is too short for heartbeat_interval 1s'],
    [['-D', '5s', '-E', '2s'], 'lease 2s is shorter than deadtime 5s'],
  ])('refuses %j', (argv, message) => {
    const parsed = parseHastmonArgs(argv);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.message).toContain(message);
  });

  it('reads the log file of -L', () => {
    expect(parseHastmonArgs(['-L', '/var/log/hastmon.log'])).toMatchObject({ ok: true, args: { logFile: '/var/log/hastmon.log' } });
  });

  it('counts -d for verbosity', () => {
    expect(parseHastmonArgs(['-dd', '-d'])).toMatchObject({ ok: true, args: { debug: 3 } });
  });

  it.each([
    [['-q'], 'unknown option -q'],
    [['-c'], 'option -c requires an argument'],
    [['extra'], "unexpected argument 'extra'"],
    [['-n', '0'], "bad node count '0' for -n: expected a whole number from 1 to 9999"],
    [['-n', 'two'], "bad node count 'two' for -n: expected a whole number from 1 to 9999"],
    [['-N', 'a b'], "bad node name 'a b' for -N: expected a name without spaces or slashes"],
    [['-N', ''], "bad node name '' for -N: expected a name without spaces or slashes"],
  ])('rejects %j', (argv, message) => {
    expect(parseHastmonArgs(argv)).toEqual({ ok: false, message });
  });

  it('documents every flag in the usage text', () => {
    expect(HASTMON_USAGE.split('\n')[0]).toBe(
      'usage: hastmon [-dFhkmt] [-c config] [-L logfile] [-P pidfile] [-l statefile] [-s scriptdir] [-n nodes] [-N name]',
    );
    for (const flag of ['-c', '-d', '-F', '-h', '-k', '-l', '-L', '-m', '-n', '-N', '-P', '-s', '-t']) {
      expect(HASTMON_USAGE).toMatch(new RegExp(`^  ${flag} `, 'm'));
    }
  });
});
