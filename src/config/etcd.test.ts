import { describe, expect, it } from 'vitest';
import { etcdVoterSpec } from './core-config.js';
import { DEFAULT_ETCD_TIMEOUT_MS } from './defaults.js';
import { ETCD_MIN_TTL_MS, etcdTtlMs } from '../core/quorum.js';
import { DEFAULT_ETCD_PREFIX, parseEtcdUrl } from './etcd.js';
import { formatConfigError } from './errors.js';
import { parseConfig } from './parse.js';
import { resolveForNode } from './resolve.js';

const RESOURCE = `
resource web {
  exec /srv/web.sh
  on a {
  }
  on b {
  }
}
`;

function errorsOf(text: string): string[] {
  const parsed = parseConfig(text, 't.conf');
  return parsed.ok ? [] : parsed.errors.map(formatConfigError);
}

function etcdOf(text: string) {
  const parsed = parseConfig(text, 't.conf');
  if (!parsed.ok) throw new Error(parsed.errors.map(formatConfigError).join('\n'));
  const resolved = resolveForNode(parsed.config, 'a');
  if (!resolved.ok) throw new Error(resolved.errors.map(formatConfigError).join('\n'));
  return resolved.config;
}

describe('the etcd section', () => {
  it('reads every keyword, with the defaults for those left out', () => {
    const config = etcdOf(`lease 2s\netcd {\n  endpoints http://127.0.0.1:2379 http://etcd-b.example:2379\n}\n${RESOURCE}`);
    expect(config.etcd).toEqual({
      endpoints: [
        { url: 'http://127.0.0.1:2379', scheme: 'http', host: '127.0.0.1', port: 2379 },
        { url: 'http://etcd-b.example:2379', scheme: 'http', host: 'etcd-b.example', port: 2379 },
      ],
      prefix: DEFAULT_ETCD_PREFIX,
      auth: null,
      ca: null,
      cert: null,
      key: null,
      timeout: DEFAULT_ETCD_TIMEOUT_MS,
    });
    const full = etcdOf(
      `lease 3s\netcd {\n  endpoints https://[::1]:2379\n  prefix /site/ha/\n  user hastmon\n  password "s3 cret"\n` +
        `  ca /etc/ssl/etcd-ca.pem\n  cert /etc/ssl/c.pem\n  key /etc/ssl/c.key\n  timeout 700ms\n}\n${RESOURCE}`,
    ).etcd;
    expect(full).toEqual({
      endpoints: [{ url: 'https://[::1]:2379', scheme: 'https', host: '::1', port: 2379 }],
      prefix: '/site/ha/',
      auth: { user: 'hastmon', password: 's3 cret' },
      ca: '/etc/ssl/etcd-ca.pem',
      cert: '/etc/ssl/c.pem',
      key: '/etc/ssl/c.key',
      timeout: 700,
    });
  });

  it('is null without a section, and the core learns the TTL rounded up to whole seconds', () => {
    expect(etcdOf(RESOURCE).etcd).toBeNull();
    expect(etcdVoterSpec(etcdOf(RESOURCE))).toBeNull();
    expect(etcdVoterSpec(etcdOf(`lease 2500ms\netcd {\n endpoints http://127.0.0.1:2379\n}\n${RESOURCE}`))).toEqual({ ttlMs: 3_000 });
    expect(etcdTtlMs(2_000)).toBe(2_000);
    expect(etcdTtlMs(2_001)).toBe(3_000);
  });

  it('requires a lease of at least etcd minimum TTL, and says how to set it', () => {
    const byDefault = errorsOf(`etcd {\n endpoints http://127.0.0.1:2379\n}\n${RESOURCE}`);
    expect(byDefault).toHaveLength(1);
    expect(byDefault[0]).toMatch(/^t\.conf:1: lease is 1s by default for etcd: etcd grants no lease shorter than 2s .*set 'lease 2s' or more/);
    const given = errorsOf(`lease 1500ms\netcd {\n endpoints http://127.0.0.1:2379\n}\n${RESOURCE}`);
    expect(given[0]).toMatch(/^t\.conf:1: lease 1.5s is too short for etcd/);
    expect(errorsOf(`lease ${ETCD_MIN_TTL_MS}ms\netcd {\n endpoints http://127.0.0.1:2379\n}\n${RESOURCE}`)).toEqual([]);
  });

  it('requires a timeout of at most half the TTL', () => {
    const errors = errorsOf(`lease 2s\netcd {\n endpoints http://127.0.0.1:2379\n timeout 1500ms\n}\n${RESOURCE}`);
    expect(errors).toEqual([expect.stringMatching(/^t\.conf:4: etcd timeout 1.5s is too long for the etcd lease TTL 2s: expected at most half of it \(1s\)/)]);
  });

  it('reports each mistake on its line', () => {
    const text = [
      'lease 2s',
      'etcd {',
      '  endpoints ftp://x:1',
      '  prefix hastmon',
      '  user root',
      '  cert /c.pem',
      '  colour blue',
      '  timeout 0',
      '}',
      'etcd {',
      '}',
      RESOURCE,
    ].join('\n');
    expect(errorsOf(text)).toEqual([
      expect.stringMatching(/^t\.conf:3: bad etcd endpoint 'ftp:\/\/x:1': unknown scheme/),
      "t.conf:4: bad prefix 'hastmon' for etcd: expected a key prefix that starts and ends with '/', such as /hastmon/",
      "t.conf:5: etcd needs 'user' and 'password' together: token authentication takes both",
      "t.conf:6: etcd needs 'cert' and 'key' together: a client certificate is used with its private key",
      't.conf:7: unknown keyword \'colour\' in etcd: expected endpoints, prefix, user, password, ca, cert, key, timeout',
      "t.conf:8: timeout must be longer than 0, found '0'",
      "t.conf:10: duplicate 'etcd' in the global section (first given at line 2)",
    ]);
  });

  it('refuses TLS files with http endpoints, mixed schemes, no endpoints, and etcd outside the global section', () => {
    expect(errorsOf(`lease 2s\netcd {\n endpoints http://127.0.0.1:2379\n ca /ca.pem\n}\n${RESOURCE}`)).toEqual([
      't.conf:4: ca, cert and key are for TLS: expected https:// endpoints with them',
    ]);
    expect(errorsOf(`lease 2s\netcd {\n endpoints http://127.0.0.1:2379 https://127.0.0.1:2380\n}\n${RESOURCE}`)).toEqual([
      't.conf:3: etcd endpoints mix http:// and https://: expected one scheme for all of them',
    ]);
    expect(errorsOf(`lease 2s\netcd {\n}\n${RESOURCE}`)).toEqual([
      "t.conf:2: etcd has no endpoints: expected 'endpoints http://HOST:2379 …' inside it",
    ]);
    expect(errorsOf(`lease 2s\netcd http://127.0.0.1:2379\n${RESOURCE}`)).toEqual([
      "t.conf:2: expected '{' after 'etcd': etcd { endpoints http://HOST:2379 … }",
    ]);
    expect(errorsOf(`resource web {\n exec /x\n etcd {\n }\n on a {\n }\n}\n`)[0]).toMatch(/^t\.conf:3: 'etcd' is not allowed in a 'resource' section/);
  });
});

describe('parseEtcdUrl', () => {
  it.each([
    ['http://127.0.0.1:2379', 'http', '127.0.0.1', 2379],
    ['https://etcd.example.org:2379/', 'https', 'etcd.example.org', 2379],
    ['HTTP://[fe80::1]:12379', 'http', 'fe80::1', 12379],
  ])('reads %s', (text, scheme, host, port) => {
    expect(parseEtcdUrl(text)).toEqual({ ok: true, value: { url: text, scheme, host, port } });
  });

  it.each([
    ['http://127.0.0.1', 'missing port'],
    ['http://999.1.1.1:2379', "'999.1.1.1' is not an IPv4 address"],
    ['http://user:pw@h:2379', "credentials in the URL: give them as 'user' and 'password'"],
    ['http://h:2379/v3', 'not a URL of that form'],
    ['http://[zz]:2379', "'zz' is not an IPv6 address"],
    ['http://:2379', 'missing host'],
    ['127.0.0.1:2379', 'not a URL of that form'],
    ['http://h_x:2379', "'h_x' is not a host name or address"],
  ])('refuses %s: %s', (text, why) => {
    const parsed = parseEtcdUrl(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain(why);
  });

  it('refuses a port out of range', () => {
    const parsed = parseEtcdUrl('http://h:70000');
    expect(parsed.ok).toBe(false);
  });
});
