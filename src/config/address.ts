// Addresses as hastmon.conf writes them. UDP: HASTMON's `tcp4://host[:port]` (hastmon speaks UDP
// to the same host), `udp://host[:port]`, `host`, `host:port`, `[v6]:port` and a bare IPv6 address.
// The control socket: HASTMON's `uds:///path`, `unix:///path`, or the bare path.
import { isIP, isIPv4, isIPv6 } from 'node:net';
import { DEFAULT_LISTEN_HOST, DEFAULT_PORT, MAX_CONTROL_PATH_BYTES } from './defaults.js';
import type { Endpoint } from './model.js';
import { fail, ok, parseAbsolutePath, parseCount, type Parsed } from './values.js';

/** Where unicast heartbeats are received without `listen`. */
export const DEFAULT_LISTEN: Endpoint = { text: `${DEFAULT_LISTEN_HOST}:${DEFAULT_PORT}`, host: DEFAULT_LISTEN_HOST, port: DEFAULT_PORT };

const SCHEMES = ['udp', 'udp4', 'udp6', 'tcp', 'tcp4', 'tcp6'];

export interface EndpointOptions {
  defaultPort: number;
  /** When given, the host may be left out (`:9000`) and this one is used. */
  defaultHost?: string;
}

export function parseEndpoint(text: string, keyword: string, options: EndpointOptions): Parsed<Endpoint> {
  const bad = (why: string): Parsed<Endpoint> =>
    fail(`bad address '${text}' for ${keyword}: ${why}; expected host, host:port, [IPv6]:port or udp://host:port`);
  let rest = text;
  const scheme = /^([a-z0-9]+):\/\//i.exec(text);
  if (scheme !== null) {
    if (!SCHEMES.includes((scheme[1] as string).toLowerCase())) return bad(`unknown scheme '${scheme[1] as string}://'`);
    rest = text.slice(scheme[0].length);
  }
  let host: string;
  let portText: string | null = null;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) return bad("missing ']'");
    host = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) return bad("expected ':port' after ']'");
      portText = after.slice(1);
    }
  } else if (rest.indexOf(':') !== rest.lastIndexOf(':')) {
    host = rest; // a bare IPv6 address: its colons are not a port separator
  } else {
    const colon = rest.indexOf(':');
    host = colon < 0 ? rest : rest.slice(0, colon);
    portText = colon < 0 ? null : rest.slice(colon + 1);
  }
  if (host === '') {
    if (options.defaultHost === undefined) return bad('missing host');
    host = options.defaultHost;
  }
  if (/[/\s]/.test(host)) return bad(`'${host}' is not a host name or address`);
  if (host.includes(':') && !isIPv6(host)) return bad(`'${host}' is not an IPv6 address, nor host:port`);
  if (/^[\d.]+$/.test(host) && !isIPv4(host)) return bad(`'${host}' is not an IPv4 address`);
  let port = options.defaultPort;
  if (portText !== null) {
    const parsed = parseCount(portText, `the port of ${keyword}`, 1, 65_535);
    if (!parsed.ok) return parsed;
    port = parsed.value;
  }
  return ok({ text, host, port });
}

/** `listen`: the daemon binds it as it is, so a name, which it would have to resolve, will not do. */
export function parseListenAddress(text: string, keyword: string): Parsed<Endpoint> {
  const parsed = parseEndpoint(text, keyword, { defaultPort: DEFAULT_PORT, defaultHost: DEFAULT_LISTEN_HOST });
  if (parsed.ok && isIP(parsed.value.host) === 0) {
    return fail(`bad address '${text}' for ${keyword}: expected a numeric IP address such as 0.0.0.0:${DEFAULT_PORT} or 127.0.0.1:${DEFAULT_PORT}, not a host name`);
  }
  return parsed;
}

const SOCKET_SCHEMES = /^(uds|unix):\/\//i;

/** `control`: an absolute path, bare or after `uds://` or `unix://`, short enough to bind. */
export function parseControlPath(text: string, keyword: string): Parsed<string> {
  const path = text.replace(SOCKET_SCHEMES, '');
  if (path !== text && !path.startsWith('/')) {
    return fail(`bad path '${text}' for ${keyword}: expected an absolute path after the scheme, as in uds:///var/run/hastmonctl`);
  }
  const parsed = parseAbsolutePath(path, keyword);
  if (!parsed.ok) return parsed;
  const bytes = Buffer.byteLength(path, 'utf8');
  if (bytes > MAX_CONTROL_PATH_BYTES) {
    return fail(`path '${path}' for ${keyword} is ${bytes} bytes long: a control socket path may have at most ${MAX_CONTROL_PATH_BYTES} bytes`);
  }
  return ok(path);
}

/** `friends`: a host, also written as an address (`tcp4://host`, `host:port`); the port is not used. */
export function parseFriend(text: string, keyword: string): Parsed<string> {
  const parsed = parseEndpoint(text, keyword, { defaultPort: DEFAULT_PORT });
  return parsed.ok ? ok(parsed.value.host) : parsed;
}

/**
 * `http`: a numeric address and a port, `127.0.0.1:9458` or `[::1]:9458`. The daemon binds it as
 * written, so a name is refused, and no port is guessed: nothing is served unless asked for.
 */
export function parseHttpAddress(text: string, keyword: string): Parsed<Endpoint> {
  const bad = (why: string): Parsed<Endpoint> =>
    fail(`bad address '${text}' for ${keyword}: ${why}; expected a numeric address and a port, as 127.0.0.1:9458 or [::1]:9458`);
  const match = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d+)$/.exec(text);
  if (match === null) return bad(text.includes('://') ? 'no scheme is taken' : 'expected ADDRESS:PORT');
  const host = match[1] ?? match[2] ?? '';
  if (match[1] !== undefined && !isIPv6(host)) return bad(`'${host}' is not an IPv6 address`);
  if (match[2] !== undefined && !isIPv4(host)) return bad(`'${host}' is not a numeric IPv4 address (an IPv6 address goes in brackets)`);
  const port = parseCount(match[3] as string, `the port of ${keyword}`, 1, 65_535);
  if (!port.ok) return port;
  return ok({ text, host, port: port.value });
}
