// One daemon at one timing, as the trials see it: how to start it on a node and what its acts are.
import type { NodeName } from './topology.js';

export interface GracefulAct {
  /** HUP or TERM, as printed. */
  name: string;
  signal: NodeJS.Signals;
  /** The daemon exits (TERM) and is started again after the trial; or stays up as a standby (HUP). */
  exits: boolean;
}

export interface Subject {
  /** "keepalived" or "hastmon" or "hastmon (before)". */
  readonly daemon: string;
  /** "advert 1 s", "200ms/1s/1s". */
  readonly timing: string;
  /** Which comparable pair of timings this belongs to (0: slowest). */
  readonly pair: number;
  /**
   * How long the others take to notice a dead holder (the lease; keepalived's master-down interval),
   * from which the bounds and quiet periods are made.
   */
  readonly detectionMs: number;
  /** The heartbeat or advertisement interval: acts are spread at random over one. */
  readonly cadenceMs: number;
  readonly graceful: readonly GracefulAct[];
  /** The event a new holder's script records at its first line ("start-begin"; keepalived: "master"). */
  readonly takeoverRecord: string;
  /** The record that says the holder's start script has ended, if the daemon runs one. */
  readonly startEndRecord: string | undefined;
  /** Writes the configuration; returns why this subject cannot be measured (a refused configuration), or undefined. */
  prepare(): Promise<string | undefined>;
  /** Starts the daemon on a node and returns the pid of its main process once it runs. */
  start(node: NodeName): Promise<number>;
}

export function subjectLabel(subject: Pick<Subject, 'daemon' | 'timing'>): string {
  return `${subject.daemon}, ${subject.timing}`;
}
