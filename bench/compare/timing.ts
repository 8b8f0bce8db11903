// The comparable timings: keepalived's advertisement interval beside hastmon's heartbeat/deadtime/lease.

export interface TimingPair {
  /** keepalived's advert_int in seconds (VRRPv3 counts it in centiseconds: 0.01 is its shortest). */
  advertSeconds: number;
  /** hastmon's heartbeat_interval/deadtime/lease, as written in hastmon.conf: "200ms/1s/1s". */
  hastmon: string;
}

/** The three pairs: hastmon's default against keepalived's 1 s, then ten and forty times faster. */
export const DEFAULT_PAIRS: readonly TimingPair[] = [
  { advertSeconds: 1, hastmon: '200ms/1s/1s' },
  { advertSeconds: 0.1, hastmon: '20ms/100ms/100ms' },
  { advertSeconds: 0.01, hastmon: '5ms/20ms/20ms' },
];

export interface HastmonTiming {
  heartbeat: string;
  deadtime: string;
  lease: string;
  leaseMs: number;
  heartbeatMs: number;
}

/** A time as hastmon.conf writes it: a number and ms or s. */
export function parseTime(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(text);
  if (match === null) return undefined;
  const value = Number(match[1]);
  return match[2] === 's' ? value * 1000 : value;
}

export function parseHastmonTiming(text: string): HastmonTiming {
  const [heartbeat = '', deadtime = '', lease = '', ...rest] = text.split('/');
  const heartbeatMs = parseTime(heartbeat);
  const leaseMs = parseTime(lease);
  if (rest.length > 0 || heartbeatMs === undefined || parseTime(deadtime) === undefined || leaseMs === undefined) {
    throw new Error(`bad hastmon timing '${text}': expected heartbeat/deadtime/lease with units, as 200ms/1s/1s`);
  }
  return { heartbeat, deadtime, lease, leaseMs, heartbeatMs };
}

/** "1=200ms/1s/1s,0.1=20ms/100ms/100ms": advert_int seconds = hastmon timing, per pair. */
export function parsePairs(text: string): TimingPair[] {
  return text.split(',').map((part) => {
    const [advert = '', hastmon = ''] = part.split('=');
    const advertSeconds = Number(advert);
    // VRRPv3 carries the interval in centiseconds, from 1 to 4095.
    if (!Number.isFinite(advertSeconds) || advertSeconds < 0.01 || advertSeconds > 40.95 || Math.abs(advertSeconds * 100 - Math.round(advertSeconds * 100)) > 1e-9) {
      throw new Error(`bad advert interval '${advert}' in --timings: expected seconds from 0.01 to 40.95 in hundredths`);
    }
    parseHastmonTiming(hastmon);
    return { advertSeconds, hastmon };
  });
}

export function advertLabel(seconds: number): string {
  return `advert ${seconds} s`;
}
