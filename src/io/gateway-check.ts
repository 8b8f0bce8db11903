// pha's gateway check (`ping ADDR`): a node that cannot reach its gateway withdraws, so that a
// node cut off from the clients does not keep the resource. Node has no raw sockets, so the
// system's ping(8) sends the one echo request per check.

import { execFile } from 'node:child_process';

/** How often the gateway is checked. */
export const GATEWAY_CHECK_INTERVAL_MS = 2000;
/** Checks failed in a row before the node withdraws: one lost or rate-limited echo is no outage. */
export const GATEWAY_FAILURES_TO_WITHDRAW = 3;
/** One echo request, answered within this long. */
const PING_WAIT_SECONDS = 1;

/** ping(8)'s arguments: Linux waits `-W` seconds for the reply, the BSDs give up after `-t` seconds. */
export function pingArguments(address: string, platform: NodeJS.Platform = process.platform): string[] {
  const wait = platform === 'linux' ? '-W' : '-t';
  return ['-n', '-c', '1', wait, String(PING_WAIT_SECONDS), address];
}

export class GatewayCheck {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private failures = 0;

  constructor(
    private readonly address: string,
    /** After every check: whether the gateway counts as reachable, and what failed this time. */
    private readonly onResult: (reachable: boolean, failure: string | undefined) => void,
    private readonly intervalMs: number = GATEWAY_CHECK_INTERVAL_MS,
  ) {}

  start(): void {
    this.check();
    this.timer = setInterval(() => this.check(), this.intervalMs);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private check(): void {
    if (this.running) return;
    this.running = true;
    execFile('ping', pingArguments(this.address), { timeout: (PING_WAIT_SECONDS + 2) * 1000 }, (error, _stdout, stderr) => {
      this.running = false;
      if (this.timer === undefined) return;
      this.failures = error === null ? 0 : this.failures + 1;
      const failure = error === null ? undefined : `${(stderr.trim() || error.message).split('\n')[0] ?? ''} (${this.failures} in a row)`;
      this.onResult(this.failures < GATEWAY_FAILURES_TO_WITHDRAW, failure);
    });
  }
}
