// The daemon's clock: CLOCK_MONOTONIC in milliseconds. It is system-wide, so it keeps counting
// while the process is stopped and across restarts of the daemon: send times echoed to an earlier
// incarnation are always older than this one's start (the core relies on that).

export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
