import { describe, expect, it } from 'vitest';
import { parseControlPath, parseEndpoint, parseFriend, parseListenAddress } from './address.js';
import { MAX_CONTROL_PATH_BYTES } from './defaults.js';

const endpoint = (text: string, defaultHost?: string) =>
  parseEndpoint(text, 'remote', defaultHost === undefined ? { defaultPort: 8458 } : { defaultPort: 8458, defaultHost });

describe('parseEndpoint', () => {
  it.each([
    ['tcp4://bolek', 'bolek', 8458],
    ['tcp4://bolek:7771', 'bolek', 7771],
    ['udp://192.0.2.2:9000', '192.0.2.2', 9000],
    ['UDP6://[fe80::1]', 'fe80::1', 8458],
    ['bolek', 'bolek', 8458],
    ['bolek:9000', 'bolek', 9000],
    ['[::1]:9000', '::1', 9000],
    ['[::1]', '::1', 8458],
    ['::1', '::1', 8458],
    ['fe80::1:2', 'fe80::1:2', 8458],
  ])('reads %s', (text, host, port) => {
    expect(endpoint(text)).toEqual({ ok: true, value: { text, host, port } });
  });

  it('lets listen leave the host out', () => {
    expect(endpoint(':9001', '0.0.0.0')).toEqual({ ok: true, value: { text: ':9001', host: '0.0.0.0', port: 9001 } });
    expect(endpoint(':9001').ok).toBe(false);
  });

  it.each([
    ['ftp://h', "unknown scheme 'ftp://'"],
    ['h:0', "bad number '0' for the port of remote"],
    ['h:70000', "bad number '70000'"],
    ['h:x', "bad number 'x'"],
    ['[::1', "missing ']'"],
    ['[::1]9', "expected ':port' after ']'"],
    ['tcp4://', 'missing host'],
    ['a/b', "'a/b' is not a host name or address"],
    ['127.0.0.1:7001:9', "'127.0.0.1:7001:9' is not an IPv6 address, nor host:port"],
    ['999.1.1.1', "'999.1.1.1' is not an IPv4 address"],
    ['tcp4://10.0.0:9', "'10.0.0' is not an IPv4 address"],
  ])('rejects %s', (text, why) => {
    const parsed = endpoint(text);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.message).toContain(why);
  });
});

describe('parseListenAddress', () => {
  it.each([
    ['0.0.0.0:9000', '0.0.0.0', 9000],
    ['tcp4://127.0.0.1:9000', '127.0.0.1', 9000],
    ['tcp://127.0.0.1', '127.0.0.1', 8458],
    ['udp://[::1]:9000', '::1', 9000],
    [':9000', '0.0.0.0', 9000],
    ['127.0.0.1', '127.0.0.1', 8458],
  ])('reads %s', (text, host, port) => {
    expect(parseListenAddress(text, 'listen')).toEqual({ ok: true, value: { text, host, port } });
  });

  it.each(['localhost:9000', 'tcp4://lolek', '999.1.1.1:9000'])('refuses %s, which the daemon could not bind', (text) => {
    const parsed = parseListenAddress(text, 'listen');
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.message).toMatch(/^bad address '.*' for listen: /);
  });
});

describe('parseControlPath', () => {
  it.each([
    ['uds:///var/run/hastmonctl', '/var/run/hastmonctl'],
    ['unix:///var/run/hastmonctl', '/var/run/hastmonctl'],
    ['UDS:///tmp/ctl', '/tmp/ctl'],
    ['/var/run/hastmonctl', '/var/run/hastmonctl'],
  ])('reads %s', (text, path) => {
    expect(parseControlPath(text, 'control')).toEqual({ ok: true, value: path });
  });

  it.each([
    ['uds://var/run/hastmonctl', 'expected an absolute path after the scheme'],
    ['var/run/hastmonctl', 'expected an absolute path'],
    ['tcp4:///var/run/x', 'expected an absolute path'],
  ])('refuses %s', (text, why) => {
    const parsed = parseControlPath(text, 'control');
    expect(!parsed.ok && parsed.message).toContain(why);
  });

  it('takes a path as long as the socket address allows, and refuses one byte more', () => {
    const longest = `/${'x'.repeat(MAX_CONTROL_PATH_BYTES - 1)}`;
    expect(parseControlPath(`uds://${longest}`, 'control')).toEqual({ ok: true, value: longest });
    const parsed = parseControlPath(`${longest}x`, 'control');
    expect(!parsed.ok && parsed.message).toContain(`is ${MAX_CONTROL_PATH_BYTES + 1} bytes long: a control socket path may have at most ${MAX_CONTROL_PATH_BYTES} bytes`);
  });
});

describe('parseFriend', () => {
  it.each([
    ['lolek', 'lolek'],
    ['tcp4://lolek', 'lolek'],
    ['tcp4://127.0.0.1', '127.0.0.1'],
    ['tcp://127.0.0.1:8457', '127.0.0.1'],
    ['127.0.0.1', '127.0.0.1'],
    ['::1', '::1'],
  ])('reads %s as host %s', (text, host) => {
    expect(parseFriend(text, 'friends')).toEqual({ ok: true, value: host });
  });

  it('refuses what is no address', () => {
    expect(parseFriend('a/b', 'friends').ok).toBe(false);
  });
});
