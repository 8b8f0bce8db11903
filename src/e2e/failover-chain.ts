// The main failover story, told on one three-node cluster (two service nodes, one watchdog) so
// that a cluster is started once for all of it. Each step begins from where the previous one left
// the cluster, and every step ends by checking the whole record: never two nodes running the
// resource at once, and never a start within the guard of a stop that had not finished.
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { NodeSpec } from './cluster.js';
import { sharedCluster } from './shared-cluster.js';

export interface ChainLayout {
  transport: 'unicast' | 'multicast';
  nodes: NodeSpec[];
  /** The node the election must pick, and why (priority, or name among equal priorities). */
  preferred: string;
  other: string;
  watchdog: string;
  why: string;
}

/** A woken holder that lost its lease must stop "at once": within a heartbeat interval, plus room for a busy host. */
const WAKE_TO_STOP_BOUND_MS = 300;

export function describeFailoverChain(layout: ChainLayout): void {
  const { transport, preferred, other, watchdog } = layout;

  describe(`three nodes over ${transport}: ${preferred} and ${other} run the resource, ${watchdog} watches`, () => {
    const shared = sharedCluster({ transport, nodes: layout.nodes, label: `chain-${transport}` });
    let crashFailoverMs = Number.NaN;

    const says = (what: string): void => console.log(`${transport}: ${what}`);
    const currentHolder = (): Promise<string> => shared().waitFor('a holder', () => [preferred, other].find((n) => shared().agreeOn(n)));

    it(`1. ${preferred} (${layout.why}) starts the resource and all three state files agree`, async () => {
      const cluster = shared();
      await cluster.startAll();
      // What every state file must show. Peers' votes reach a file at its next rewrite (at least
      // once a second), so the picture is awaited, then checked in full.
      const expected = {
        holder: preferred,
        quorum: 2,
        voters: 3,
        seen: { [preferred]: `RUNNING vote ${preferred}`, [other]: `STANDBY vote ${preferred}`, [watchdog]: `WATCHING vote ${preferred}` },
      };
      const picture = (name: string): typeof expected | undefined => {
        const r = cluster.resource(name);
        if (r === undefined) return undefined;
        const seen = Object.fromEntries(r.rows.map((row) => [row.node, `${row.state} vote ${row.vote}`]));
        return { holder: r.holder, quorum: r.quorum, voters: r.voters, seen };
      };
      await cluster.waitFor(`all three state files to agree that ${preferred} runs it`, () =>
        cluster.names.every((n) => isDeepStrictEqual(picture(n), expected)),
        15_000,
      );
      for (const name of cluster.names) expect({ writer: name, ...picture(name) }).toEqual({ writer: name, ...expected });
      expect(cluster.records().filter((l) => l.event === 'start-begin').map((l) => l.node)).toEqual([preferred]);
      expect(cluster.violations()).toEqual([]);
    });

    it(`2. kill -9 of ${preferred}: ${other} runs it`, async () => {
      const cluster = shared();
      const killedAt = cluster.crash(preferred);
      const started = await cluster.waitFor(`${other} to start`, () => cluster.recordAfter(other, 'start-begin', killedAt), 10_000);
      crashFailoverMs = started.atMs - killedAt;
      says(`failover after kill -9 of ${preferred}: ${Math.round(crashFailoverMs)} ms to the start script on ${other}`);

      await cluster.waitFor(`${other} and ${watchdog} to agree that ${other} runs it and ${preferred} timed out`, () =>
        [other, watchdog].every((n) => cluster.agreeOn(other, [n]) && cluster.resource(n)?.rows.find((r) => r.node === preferred)?.state === 'TIMEDOUT'),
      );
      expect(cluster.violations()).toEqual([]);
    });

    it(`3. ${preferred} comes back: the resource stays on ${other}; kill -HUP on ${other} fails it back`, async () => {
      const cluster = shared();
      const restartedAt = Date.now();
      cluster.start(preferred);
      await cluster.waitUntilUp(preferred);
      await cluster.waitFor(`${preferred} to stand by, seeing ${other} hold it`, () => {
        const resource = cluster.resource(preferred);
        return cluster.ownState(preferred) === 'STANDBY' && resource?.holder === other && resource.reason === `${other} holds it`;
      });
      // Stickiness: for a lease and a deadtime after it stood by, nothing moves.
      await cluster.keepsTrue(
        `nobody to start it while ${other} holds it`,
        () => cluster.records().every((l) => l.atMs < restartedAt || !l.event.startsWith('start')),
        cluster.leaseMs + cluster.deadtimeMs,
      );
      expect(cluster.agreeOn(other)).toBe(true);

      const hupAt = cluster.signal(other, 'SIGHUP');
      const started = await cluster.waitFor(`${preferred} to start`, () => cluster.recordAfter(preferred, 'start-begin', hupAt), 10_000);
      says(`fail back with kill -HUP on ${other}: ${Math.round(started.atMs - hupAt)} ms to the start script on ${preferred}`);
      await cluster.waitFor(`${preferred} to run it and ${other} to stand by`, () => cluster.agreeOn(preferred) && cluster.ownState(other) === 'STANDBY');
      expect(cluster.daemon(other).hasExited()).toBe(false);
      // A clean handover: the stop on the old holder had finished before the new start began.
      expect(cluster.recordAfter(other, 'stop-end', hupAt)?.atMs).toBeLessThanOrEqual(started.atMs);
      expect(cluster.violations()).toEqual([]);
    });

    it(`4. a second kill -HUP, on ${preferred}, hands the resource over to ${other} again`, async () => {
      const cluster = shared();
      const hupAt = cluster.signal(preferred, 'SIGHUP');
      const started = await cluster.waitFor(`${other} or ${preferred} to start`, () =>
        cluster.records().find((l) => l.event === 'start-begin' && l.atMs >= hupAt),
        10_000,
      );
      says(`kill -HUP on ${preferred}: ${Math.round(started.atMs - hupAt)} ms to the start script on ${started.node}`);
      // Soft, so that the record is still checked when the resource went the wrong way.
      expect.soft(started.node, `HUP on ${preferred} must move the resource to ${other}, not restart it in place`).toBe(other);
      await cluster.waitFor(`${started.node} to run it`, () => cluster.agreeOn(started.node));
      expect(cluster.violations()).toEqual([]);
    });

    it('5. SIGSTOP of the holder beyond the lease, then SIGCONT: the other node took over and the woken one stops at once', async () => {
      const cluster = shared();
      // Found from the state files, so that this step stands on its own when an earlier one failed.
      const holder = await currentHolder();
      const taker = holder === other ? preferred : other;
      const frozenAt = cluster.freeze(holder);
      const started = await cluster.waitFor(`${taker} to start`, () => cluster.recordAfter(taker, 'start-begin', frozenAt), 10_000);
      // Frozen for twice the lease: far beyond it.
      await cluster.waitFor(`${taker} to run it, twice the lease after the freeze`, () =>
        cluster.agreeOn(taker, [taker, watchdog]) && Date.now() >= frozenAt + 2 * cluster.leaseMs,
      );
      const thawedAt = cluster.thaw(holder);
      const stopped = await cluster.waitFor(`${holder} to stop`, () => cluster.recordAfter(holder, 'stop-begin', thawedAt), 5_000);
      says(
        `${holder} frozen ${thawedAt - frozenAt} ms; ${taker} started ${Math.round(started.atMs - frozenAt)} ms after the freeze; ` +
          `${holder} began stopping ${Math.round(stopped.atMs - thawedAt)} ms after waking`,
      );
      expect(stopped.atMs - thawedAt).toBeLessThan(WAKE_TO_STOP_BOUND_MS);
      await cluster.waitForLog(holder, /stopping it here/);

      // The woken node must not drag the resource back: it stays where it went, a lease and a deadtime on.
      await cluster.waitFor(`${holder} to stand by`, () => cluster.ownState(holder) === 'STANDBY');
      const kept = await cluster.holdsFor(() => cluster.recordAfter(taker, 'stop-begin', started.atMs) === undefined, cluster.leaseMs + cluster.deadtimeMs);
      // Soft, so that the record is still checked when the resource moved back.
      expect.soft(kept, `${taker} must keep the resource it took over`).toBe(true);
      expect.soft(cluster.agreeOn(taker)).toBe(true);
      expect(cluster.violations()).toEqual([]);
    });

    it('6. TERM on the holder: a clean handover, faster than a crash', async () => {
      const cluster = shared();
      const holder = await currentHolder();
      const taker = holder === other ? preferred : other;
      const termAt = cluster.signal(holder, 'SIGTERM');
      const started = await cluster.waitFor(`${taker} to start`, () => cluster.recordAfter(taker, 'start-begin', termAt), 10_000);
      const handoverMs = started.atMs - termAt;
      says(`handover after TERM on ${holder}: ${Math.round(handoverMs)} ms to the start script on ${taker} (kill -9: ${Math.round(crashFailoverMs)} ms)`);
      expect(await cluster.waitForExit(holder)).toBe(0);
      expect(cluster.recordAfter(holder, 'stop-end', termAt)?.atMs).toBeLessThanOrEqual(started.atMs);
      expect(handoverMs).toBeLessThan(crashFailoverMs);
      await cluster.waitFor(`${taker} to run it`, () => cluster.agreeOn(taker));
      expect(cluster.violations()).toEqual([]);
    });
  });
}
