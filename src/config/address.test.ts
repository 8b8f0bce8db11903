import { describe, expect, it } from 'vitest';
import { parseEndpoint } from './address.js';

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
  ])('rejects %s', (text, why) => {
    const parsed = endpoint(text);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.message).toContain(why);
  });
});
