// `--timing HEARTBEAT/DEADTIME/LEASE` for the benchmarks, in the configuration file's units.
import { parseDuration } from '../src/config/values.js';

export interface BenchTiming {
  heartbeatInterval: number;
  deadtime: number;
  lease: number;
}

/** undefined: the default timing. */
export function parseBenchTiming(text: string | undefined): BenchTiming | undefined {
  if (text === undefined) return undefined;
  const parts = text.split('/').map((part) => parseDuration(part, '--timing'));
  const values = parts.map((p) => {
    if (!p.ok) throw new Error(p.message);
    return p.value;
  });
  const [heartbeatInterval, deadtime, lease] = values;
  if (values.length !== 3 || heartbeatInterval === undefined || deadtime === undefined || lease === undefined) {
    throw new Error(`--timing expects HEARTBEAT/DEADTIME/LEASE such as 20ms/100ms/100ms, got ${JSON.stringify(text)}`);
  }
  return { heartbeatInterval, deadtime, lease };
}
