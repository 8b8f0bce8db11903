// The global `etcd { endpoints URL…; prefix /hastmon/; user NAME; password "…"; ca PATH; cert PATH;
// key PATH; timeout 1s }` section: etcd as one more voter of every resource (DESIGN §4.8).
import { isIPv4, isIPv6 } from 'node:net';
import { DEFAULT_ETCD_TIMEOUT_MS } from './defaults.js';
import { ETCD_MIN_TTL_MS, etcdTtlMs } from '../core/quorum.js';
import type { EtcdConfig, EtcdEndpoint } from './model.js';
import type { Statement } from './syntax.js';
import { formatDuration } from './timing.js';
import { fail, ok, parseAbsolutePath, parseCount, parseDuration, type Parsed } from './values.js';

/** Where the holder keys live without `prefix`: one directory of etcd's key space for hastmon. */
export const DEFAULT_ETCD_PREFIX = '/hastmon/';

const INNER = ['endpoints', 'prefix', 'user', 'password', 'ca', 'cert', 'key', 'timeout'];

type Fields = Map<string, { args: string[]; line: number }>;

/** The etcd section of a statement, or null after reporting what is wrong with it. */
export function parseEtcdBlock(
  statement: Statement,
  block: readonly Statement[],
  report: (line: number, message: string) => void,
): EtcdConfig | null {
  let failed = false;
  const complain = (line: number, message: string): void => {
    failed = true;
    report(line, message);
  };
  if (statement.args.length > 0) {
    complain(statement.line, `unexpected '${statement.args.map((a) => a.text).join(' ')}' after 'etcd': expected '{'`);
  }
  const fields: Fields = new Map();
  for (const inner of block) {
    const problem = readField(inner, fields);
    if (problem !== null) complain(inner.line, problem);
  }
  const take = <T>(name: string, parse: (args: string[]) => Parsed<T>): T | undefined => {
    const field = fields.get(name);
    if (field === undefined) return undefined;
    const parsed = parse(field.args);
    if (parsed.ok) return parsed.value;
    complain(field.line, parsed.message);
    return undefined;
  };

  const endpoints = take('endpoints', (args) => list(args, parseEtcdUrl));
  if (!fields.has('endpoints')) complain(statement.line, "etcd has no endpoints: expected 'endpoints http://HOST:2379 …' inside it");
  const prefix = take('prefix', (args) => one(args, 'prefix', 'a key prefix such as /hastmon/', parsePrefix)) ?? DEFAULT_ETCD_PREFIX;
  const user = take('user', (args) => one(args, 'user', 'an etcd user name', nonEmpty('user')));
  const password = take('password', (args) => one(args, 'password', 'a quoted password', nonEmpty('password')));
  const path = (name: string): string | null =>
    take(name, (args) => one(args, name, 'an absolute path', (text) => parseAbsolutePath(text, name))) ?? null;
  const ca = path('ca');
  const cert = path('cert');
  const key = path('key');
  const timeout = take('timeout', (args) => one(args, 'timeout', 'a time such as 500ms or 1s', positiveTime)) ?? DEFAULT_ETCD_TIMEOUT_MS;

  const userField = fields.get('user');
  const passwordField = fields.get('password');
  if ((userField === undefined) !== (passwordField === undefined)) {
    const given = userField ?? passwordField;
    complain(given?.line ?? statement.line, "etcd needs 'user' and 'password' together: token authentication takes both");
  }
  const certField = fields.get('cert');
  const keyField = fields.get('key');
  if ((certField === undefined) !== (keyField === undefined)) {
    const given = certField ?? keyField;
    complain(given?.line ?? statement.line, "etcd needs 'cert' and 'key' together: a client certificate is used with its private key");
  }
  if (endpoints !== undefined) {
    const endpointsLine = fields.get('endpoints')?.line ?? statement.line;
    const schemes = new Set(endpoints.map((e) => e.scheme));
    if (schemes.size > 1) complain(endpointsLine, 'etcd endpoints mix http:// and https://: expected one scheme for all of them');
    const tls = ['ca', 'cert', 'key'].map((name) => fields.get(name)).find((f) => f !== undefined);
    if (tls !== undefined && schemes.has('http')) {
      complain(tls.line, 'ca, cert and key are for TLS: expected https:// endpoints with them');
    }
  }
  if (failed || endpoints === undefined) return null;
  return {
    endpoints,
    prefix,
    auth: user !== undefined && password !== undefined ? { user, password } : null,
    ca,
    cert,
    key,
    timeout,
  };
}

/** Records one statement of the section; returns what is wrong with it, or null. */
function readField(inner: Statement, fields: Fields): string | null {
  if (!INNER.includes(inner.keyword)) {
    return `unknown keyword '${inner.keyword}' in etcd: expected ${INNER.join(', ')}`;
  }
  if (inner.block !== null) return `'${inner.keyword}' does not open a section: unexpected '{'`;
  const earlier = fields.get(inner.keyword);
  if (earlier !== undefined) return `duplicate '${inner.keyword}' in etcd (first given at line ${earlier.line})`;
  fields.set(inner.keyword, { args: inner.args.map((a) => a.text), line: inner.line });
  return null;
}

function one<T>(args: readonly string[], keyword: string, what: string, parse: (text: string) => Parsed<T>): Parsed<T> {
  const [first] = args;
  if (first === undefined) return fail(`missing argument: ${keyword} expects ${what}`);
  if (args.length > 1) return fail(`${keyword} takes one argument (${what}), found ${args.length}: '${args.join(' ')}'`);
  return parse(first);
}

function list<T>(args: readonly string[], parse: (text: string) => Parsed<T>): Parsed<T[]> {
  if (args.length === 0) return fail('missing argument: endpoints expects one or more URLs such as http://127.0.0.1:2379');
  const values: T[] = [];
  for (const text of args) {
    const parsed = parse(text);
    if (!parsed.ok) return parsed;
    values.push(parsed.value);
  }
  return ok(values);
}

const nonEmpty =
  (keyword: string) =>
  (text: string): Parsed<string> =>
    text === '' ? fail(`empty ${keyword}: expected at least one character`) : ok(text);

function positiveTime(text: string): Parsed<number> {
  const parsed = parseDuration(text, 'timeout');
  if (parsed.ok && parsed.value <= 0) return fail(`timeout must be longer than 0, found '${text}'`);
  return parsed;
}

/** `/hastmon/`, `/site-a/ha/`: a directory of etcd's key space, so that resources cannot collide. */
function parsePrefix(text: string): Parsed<string> {
  if (!text.startsWith('/') || !text.endsWith('/')) return fail(`bad prefix '${text}' for etcd: expected a key prefix that starts and ends with '/', such as /hastmon/`);
  if (/[\s\0-\x1f]/.test(text)) return fail(`bad prefix '${text}' for etcd: expected no white space or control characters`);
  return ok(text);
}

/** `http://host:port` or `https://host:port`, with a numeric host or a name; the port is required. */
export function parseEtcdUrl(text: string): Parsed<EtcdEndpoint> {
  const bad = (why: string): Parsed<EtcdEndpoint> =>
    fail(`bad etcd endpoint '${text}': ${why}; expected http://HOST:PORT or https://HOST:PORT, such as http://127.0.0.1:2379`);
  if (/^https?:\/\/[^/]*@/i.test(text)) return bad("credentials in the URL: give them as 'user' and 'password'");
  const match = /^(https?):\/\/(\[[^\]]*\]|[^/:@[\]]*)(?::([^/]*))?\/?$/i.exec(text);
  if (match === null) return bad(/^[a-z]+:\/\//i.test(text) && !/^https?:\/\//i.test(text) ? 'unknown scheme' : 'not a URL of that form');
  const scheme = (match[1] as string).toLowerCase() as 'http' | 'https';
  const rawHost = match[2] as string;
  const host = rawHost.startsWith('[') ? rawHost.slice(1, -1) : rawHost;
  if (host === '') return bad('missing host');
  if (rawHost.startsWith('[') && !isIPv6(host)) return bad(`'${host}' is not an IPv6 address`);
  if (!rawHost.startsWith('[') && /^[\d.]+$/.test(host) && !isIPv4(host)) return bad(`'${host}' is not an IPv4 address`);
  if (!rawHost.startsWith('[') && !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host)) return bad(`'${host}' is not a host name or address`);
  if (match[3] === undefined) return bad('missing port (etcd listens on 2379 by default)');
  const port = parseCount(match[3], `the port of etcd endpoint '${text}'`, 1, 65_535);
  if (!port.ok) return port;
  return ok({ url: text, scheme, host, port: port.value });
}

/**
 * The rules that tie the section to the cluster's timing: etcd grants no lease shorter than its
 * minimum TTL, and a request lost to one endpoint must leave time to renew through the next.
 * `leaseLine` is the line of `lease`, or null when it took its default.
 */
export function checkEtcdTiming(
  etcd: { value: EtcdConfig; line: number },
  timeoutLine: number | null,
  lease: number,
  leaseLine: number | null,
  report: (line: number, message: string) => void,
): void {
  if (lease < ETCD_MIN_TTL_MS) {
    const given = leaseLine === null ? `lease is ${formatDuration(lease)} by default` : `lease ${formatDuration(lease)} is too short`;
    report(
      leaseLine ?? etcd.line,
      `${given} for etcd: etcd grants no lease shorter than ${formatDuration(ETCD_MIN_TTL_MS)} (its minimum TTL, 1.5 times its election timeout), ` +
        `so a shorter one would be stretched and a dead holder's key would stay longer than the cluster's lease; set 'lease ${formatDuration(ETCD_MIN_TTL_MS)}' or more in the global section`,
    );
    return;
  }
  const ttl = etcdTtlMs(lease);
  if (etcd.value.timeout * 2 > ttl) {
    report(
      timeoutLine ?? etcd.line,
      `etcd timeout ${formatDuration(etcd.value.timeout)} is too long for the etcd lease TTL ${formatDuration(ttl)}: expected at most half of it ` +
        `(${formatDuration(ttl / 2)}), so that a request lost to one endpoint leaves time to renew the lease through another`,
    );
  }
}
