// UDP addresses as hastmon.conf writes them: HASTMON's `tcp4://host[:port]` (hastmon speaks UDP
// to the same host), `udp://host[:port]`, `host`, `host:port`, `[v6]:port` and a bare IPv6 address.
import { DEFAULT_LISTEN_HOST, DEFAULT_PORT } from './defaults.js';
import type { Endpoint } from './model.js';
import { fail, ok, parseCount, type Parsed } from './values.js';

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
  let port = options.defaultPort;
  if (portText !== null) {
    const parsed = parseCount(portText, `the port of ${keyword}`, 1, 65_535);
    if (!parsed.ok) return parsed;
    port = parsed.value;
  }
  return ok({ text, host, port });
}
