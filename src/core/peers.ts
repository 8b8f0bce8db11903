// The node table: the newest heartbeat heard from each peer and when (on this node's clock).

import type { Echo, Heartbeat, ResourceReport } from './types.js';

export interface PeerRecord {
  heartbeat: Heartbeat;
  /** Local time the newest heartbeat was received. */
  heardAt: number;
  /** The previous heartbeat of the same incarnation, to see what changed. */
  previous: Heartbeat | undefined;
}

export type RecordResult = 'new-peer' | 'restarted' | 'updated' | 'stale';

/**
 * Past this many resources in a heartbeat, a lookup by name goes through an index built once per
 * heartbeat instead of a scan: every resource looks up every peer's report at every step.
 */
const INDEX_REPORTS_FROM = 8;

/** A record, with what is looked up in it again and again worked out once. */
interface Entry extends PeerRecord {
  /** The sender's reports by name (the first of a name, as a scan finds), once asked for. */
  index: Map<string, ResourceReport> | undefined;
  previousIndex: Map<string, ResourceReport> | undefined;
  /** The node whose echo was last looked up, and that echo's send time (undefined: none). */
  echoFor: string | undefined;
  echoSentAt: number | undefined;
}

export class PeerTable {
  private readonly peers = new Map<string, Entry>();
  private changes = 0;
  private lastNode = '';

  /** Grows with every heartbeat taken: anything derived from the table is stale once it moved. */
  get version(): number {
    return this.changes;
  }

  /** The node whose heartbeat was taken last (the one that moved the version last). */
  get lastRecorded(): string {
    return this.lastNode;
  }

  /**
   * Keeps the heartbeat if it is newer than what we have (a higher incarnation, or a higher seq of
   * the same one); older ones would roll state back. Once the newest has been silent for
   * `supersededAfter`, any heartbeat of that node is taken: the newest may have been forged or
   * corrupted (an incarnation far ahead, a seq near 2^32), or the node restarted with its clock set
   * back, and its real heartbeats must not stay hidden for good. The core passes the lease: an old
   * heartbeat delayed in the network and taken then can no longer free a voter early from its
   * promise to that node (a promise lasts a lease after the node was last heard), so it costs no
   * safety. Without `supersededAfter`, an older heartbeat is refused for good.
   */
  record(heartbeat: Heartbeat, now: number, supersededAfter = Infinity): RecordResult {
    const known = this.peers.get(heartbeat.node);
    if (known === undefined) {
      this.peers.set(heartbeat.node, entry(heartbeat, now, undefined));
      this.changes++;
      this.lastNode = heartbeat.node;
      return 'new-peer';
    }
    const old = known.heartbeat;
    const superseded = now - known.heardAt >= supersededAfter;
    if (!superseded && heartbeat.incarnation < old.incarnation) return 'stale';
    if (!superseded && heartbeat.incarnation === old.incarnation && heartbeat.seq <= old.seq) return 'stale';
    const restarted = heartbeat.incarnation !== old.incarnation;
    this.peers.set(heartbeat.node, entry(heartbeat, now, restarted ? undefined : old));
    this.changes++;
    this.lastNode = heartbeat.node;
    return restarted ? 'restarted' : 'updated';
  }

  get(node: string): PeerRecord | undefined {
    return this.peers.get(node);
  }

  names(): string[] {
    return [...this.peers.keys()];
  }

  /** Heard within `deadtime` and not announced as gone. */
  isVisible(node: string, now: number, deadtime: number): boolean {
    const peer = this.peers.get(node);
    return peer !== undefined && !peer.heartbeat.leaving && now - peer.heardAt < deadtime;
  }

  report(node: string, resource: string): ResourceReport | undefined {
    const peer = this.peers.get(node);
    if (peer === undefined) return undefined;
    const reports = peer.heartbeat.resources;
    if (reports.length < INDEX_REPORTS_FROM) return findReport(reports, resource);
    peer.index ??= indexReports(reports);
    return peer.index.get(resource);
  }

  previousReport(node: string, resource: string): ResourceReport | undefined {
    const peer = this.peers.get(node);
    const reports = peer?.previous?.resources;
    if (peer === undefined || reports === undefined) return undefined;
    if (reports.length < INDEX_REPORTS_FROM) return findReport(reports, resource);
    peer.previousIndex ??= indexReports(reports);
    return peer.previousIndex.get(resource);
  }

  /** The send time of `self`'s heartbeat that `node`'s newest heartbeat echoes, if it echoes one. */
  echoOf(node: string, self: string): number | undefined {
    const peer = this.peers.get(node);
    if (peer === undefined) return undefined;
    if (peer.echoFor !== self) {
      peer.echoFor = self;
      peer.echoSentAt = peer.heartbeat.echoes.find((e) => e.node === self)?.sentAt;
    }
    return peer.echoSentAt;
  }

  echoes(): Echo[] {
    return [...this.peers.values()].map((p) => ({
      node: p.heartbeat.node,
      seq: p.heartbeat.seq,
      sentAt: p.heartbeat.sentAt,
    }));
  }
}

function entry(heartbeat: Heartbeat, heardAt: number, previous: Heartbeat | undefined): Entry {
  return { heartbeat, heardAt, previous, index: undefined, previousIndex: undefined, echoFor: undefined, echoSentAt: undefined };
}

function findReport(reports: readonly ResourceReport[], resource: string): ResourceReport | undefined {
  for (const report of reports) if (report.name === resource) return report;
  return undefined;
}

function indexReports(reports: readonly ResourceReport[]): Map<string, ResourceReport> {
  const index = new Map<string, ResourceReport>();
  for (const report of reports) if (!index.has(report.name)) index.set(report.name, report);
  return index;
}
