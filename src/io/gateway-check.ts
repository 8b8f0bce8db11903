// pha's gateway check (`ping ADDR`): a node that cannot reach its gateway withdraws, so that a
// node cut off from the clients does not keep the resource. Node has no raw sockets, so the
// system's ping(8) sends the one echo request per check.

import { execFile } from 'node:child_process';

/** How often the gateway is checked; a holder withdraws after one failed check. */
export const GATEWAY_CHECK_INTERVAL_MS = 2000;
/** One echo request, answered within this long. */
const PING_WAIT_SECONDS = 1;

export class GatewayCheck {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly address: string,
    private readonly onResult: (reachable: boolean, detail: string) => void,
  ) {}

  start(): void {
    this.check();
    this.timer = setInterval(() => this.check(), GATEWAY_CHECK_INTERVAL_MS);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private check(): void {
    if (this.running) return;
    this.running = true;
    execFile(
      'ping',
      ['-n', '-c', '1', '-W', String(PING_WAIT_SECONDS), this.address],
      { timeout: (PING_WAIT_SECONDS + 2) * 1000 },
      (error, _stdout, stderr) => {
        this.running = false;
        if (this.timer === undefined) return;
        const detail = error === null ? '' : (stderr.trim() || error.message).split('\n')[0] ?? '';
        this.onResult(error === null, detail);
      },
    );
  }
}
