// How far ahead of this node's clock a peer's incarnation may be.

/**
 * An incarnation is the sender's wall clock in milliseconds at its start (a little more after a
 * clock set back: see the daemon's nextIncarnation), so a real one is ahead of this node's wall
 * clock by no more than the difference of the two clocks. A day covers any clock kept by NTP and
 * a hardware clock left in local time in any time zone (UTC-12 to UTC+14); more than that is a
 * forgery or a corruption. Such an incarnation would be the newest of its node for as long as it
 * is sent, hiding the node's real heartbeats; refused, it cannot.
 */
export const MAX_INCARNATION_LEAD_MS = 24 * 60 * 60 * 1000;

/** Whether `incarnation` is further ahead of `wallClockNow` than a real clock can be. */
export function incarnationTooFarAhead(incarnation: number, wallClockNow: number): boolean {
  return incarnation - wallClockNow > MAX_INCARNATION_LEAD_MS;
}
