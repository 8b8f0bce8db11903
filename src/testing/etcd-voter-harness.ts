// Test helpers: an EtcdVoter on real endpoints, recording every claim it reports and every log line.
import type { EtcdConfig } from '../config/model.js';
import { parseEtcdUrl } from '../config/etcd.js';
import type { EtcdClaim, EtcdClaimInput, LogLevel } from '../core/types.js';
import { monotonicMs } from '../io/clock.js';
import { EtcdClient, type EtcdLog } from '../io/etcd/etcd-client.js';
import { EtcdVoter } from '../io/etcd/etcd-voter.js';

export const TEST_TTL_MS = 2_000;
export const TEST_GUARD_MS = 200;
/** At most half the TTL, as the configuration requires. */
export const TEST_TIMEOUT_MS = 500;

export interface RecordedClaim {
  at: number;
  claim: EtcdClaim;
}

export function etcdConfig(endpoints: string[], extra: Partial<EtcdConfig> = {}): EtcdConfig {
  return {
    endpoints: endpoints.map((url) => {
      const parsed = parseEtcdUrl(url);
      if (!parsed.ok) throw new Error(parsed.message);
      return parsed.value;
    }),
    prefix: '/hastmon-test/',
    auth: null,
    ca: null,
    cert: null,
    key: null,
    timeout: TEST_TIMEOUT_MS,
    ...extra,
  };
}

export class RecordingLog implements EtcdLog {
  readonly lines: string[] = [];
  /** The lines written through `log`, with no bound on their rate. */
  readonly unlimited: string[] = [];
  log(level: LogLevel, message: string): void {
    this.lines.push(`${level}: ${message}`);
    this.unlimited.push(`${level}: ${message}`);
  }
  limited(_key: string, _intervalMs: number, level: LogLevel, message: string): void {
    this.lines.push(`${level}: ${message}`);
  }
}

export class TestVoter {
  readonly claims: RecordedClaim[] = [];
  readonly log = new RecordingLog();
  readonly voter: EtcdVoter;
  readonly client: EtcdClient;

  constructor(config: EtcdConfig, node: string, incarnation: number, resources: string[] = ['web']) {
    this.client = new EtcdClient({ config, now: monotonicMs, log: this.log });
    this.voter = new EtcdVoter({
      client: this.client,
      node,
      incarnation,
      resources,
      ttlMs: TEST_TTL_MS,
      guardMs: TEST_GUARD_MS,
      now: monotonicMs,
      onClaim: (input: EtcdClaimInput) => this.claims.push({ at: monotonicMs(), claim: input.claim }),
      log: this.log,
    });
    this.voter.start();
  }

  latest(): EtcdClaim | undefined {
    return this.claims[this.claims.length - 1]?.claim;
  }

  /** Waits, polling, until a claim reported after index `from` satisfies `test`; fails after `withinMs`. */
  async waitFor(test: (claim: EtcdClaim) => boolean, withinMs: number, from = 0): Promise<RecordedClaim> {
    const deadline = monotonicMs() + withinMs;
    for (;;) {
      const found = this.claims.slice(from).find((c) => test(c.claim));
      if (found !== undefined) return found;
      if (monotonicMs() > deadline) {
        throw new Error(`no such claim within ${withinMs} ms; claims: ${JSON.stringify(this.claims.map((c) => c.claim))}; log: ${this.log.lines.join(' | ')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
